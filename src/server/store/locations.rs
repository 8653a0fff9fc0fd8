//! The data centers, seeded from the lifecycle crate's defaults on first start.

use super::{col, Store, StoreResult};
use lifecycle::Location;

impl Store {
    pub(super) async fn seed_locations(&self) -> StoreResult<()> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM locations")
            .fetch_one(&self.pool)
            .await?;
        if count > 0 {
            return Ok(());
        }
        for (position, location) in lifecycle::shipping::default_locations().iter().enumerate() {
            sqlx::query("INSERT INTO locations (name, position, body) VALUES ($1, $2, $3)")
                .bind(location.name.clone())
                .bind(position as i64)
                .bind(serde_json::to_string(location)?)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    pub async fn locations(&self) -> StoreResult<Vec<Location>> {
        let rows = sqlx::query("SELECT body FROM locations ORDER BY position")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok(serde_json::from_str(&col::<String>(row, "body")?)?))
            .collect()
    }

    /// The location a client names, by its name or its display name (ARM accepts `"West US"` for `westus`).
    pub async fn location(&self, name: &str) -> StoreResult<Option<Location>> {
        let row = sqlx::query("SELECT body FROM locations WHERE name = $1")
            .bind(lifecycle::shipping::location_name(name))
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(serde_json::from_str(&col::<String>(&row, "body")?)?)),
            None => Ok(None),
        }
    }
}
