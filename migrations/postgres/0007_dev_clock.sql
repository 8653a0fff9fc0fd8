-- How far the development clock (`--dev-clock`) has been moved forward, in milliseconds: kept so that a
-- restarted development server goes on from where its clock was rather than from the wall clock, behind the
-- events, sessions and timers recorded at the moved time. No row: never moved. A server without
-- `--dev-clock` ignores it.
CREATE TABLE dev_clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    offset_ms BIGINT NOT NULL
);
