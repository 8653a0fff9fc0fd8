-- Resource group names are case-insensitive in Azure Resource Manager (`demo-rg` and `Demo-RG` are one group):
-- the store looks jobs up and lists them by lower(resource_group) = lower($n), keeping the spelling a job was
-- created with for its responses. These indexes replace the case-sensitive ones for those queries, and a
-- job name stays unique per group whatever the group's spelling. SQLite's lower() folds ASCII letters only;
-- other letters compare exactly.
DROP INDEX jobs_live_name;
CREATE UNIQUE INDEX jobs_live_name_ci ON jobs (subscription_id, lower(resource_group), name) WHERE deleted = 0;
DROP INDEX jobs_by_group;
CREATE INDEX jobs_by_group_ci ON jobs (subscription_id, lower(resource_group), deleted, created_at, id);
