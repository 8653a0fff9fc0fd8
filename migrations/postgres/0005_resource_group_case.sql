-- Resource group names are case-insensitive in Azure Resource Manager (the same as
-- migrations/sqlite/0005_resource_group_case.sql): lookups and lists compare lower(resource_group) with
-- lower($n), served by these expression indexes, and a job name stays unique per group whatever the group's
-- spelling. PostgreSQL's lower() follows the database's collation.
DROP INDEX jobs_live_name;
CREATE UNIQUE INDEX jobs_live_name_ci ON jobs (subscription_id, lower(resource_group), name) WHERE deleted = 0;
DROP INDEX jobs_by_group;
CREATE INDEX jobs_by_group_ci ON jobs (subscription_id, lower(resource_group), deleted, created_at, id);
