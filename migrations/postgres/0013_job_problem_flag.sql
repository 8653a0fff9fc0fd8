-- Issue 17: the jobs lists show a warning mark on jobs with a problem the customer must know about (a drive
-- missing at intake, a faulted drive or job, a drive copied with errors, an overdue package, …; the rule is
-- `lifecycle::attention::has_problem`). Lists read stored summary columns, never snapshots, so the flag is a
-- projection written with every snapshot. Existing rows get it at the next start: the attention revision was
-- bumped with this column, so `refresh_attention` recomputes every row written by the older rules.
ALTER TABLE jobs ADD COLUMN has_problem BIGINT NOT NULL DEFAULT 0;
