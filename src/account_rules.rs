//! Rules for account input, shared by the browser (as the user types) and the server.

pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 128;

/// Emails are compared and stored lowercase: one account per address, whatever the casing.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn email(value: &str) -> Result<(), String> {
    lifecycle::validate::email(value)
}

pub fn password(value: &str) -> Result<(), String> {
    let n = value.chars().count();
    if n < PASSWORD_MIN {
        return Err(format!(
            "Password must be at least {PASSWORD_MIN} characters"
        ));
    }
    if n > PASSWORD_MAX {
        return Err(format!(
            "Password must be at most {PASSWORD_MAX} characters"
        ));
    }
    if value.trim().is_empty() {
        return Err("Password must not be only spaces".into());
    }
    Ok(())
}

pub fn display_name(value: &str) -> Result<(), String> {
    lifecycle::validate::text(value, 80, "Name")
}

pub fn token_name(value: &str) -> Result<(), String> {
    lifecycle::validate::text(value, 60, "Token name")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_inputs() {
        assert_eq!(normalize_email("  Dana@Example.COM "), "dana@example.com");
        assert!(email("dana@example.com").is_ok());
        assert!(email("dana").is_err());
        assert!(password("short").unwrap_err().contains("at least 10"));
        assert!(password(&"x".repeat(129))
            .unwrap_err()
            .contains("at most 128"));
        assert!(password("          ").is_err());
        assert!(password("correct horse battery").is_ok());
        assert!(display_name("").is_err());
        assert!(token_name("ci pipeline").is_ok());
    }
}
