-- One scratch row that readiness checks write and delete (SQLite only): a database that
-- cannot grow (full disk, size cap) fails this write and the gateway reports itself not ready.
CREATE TABLE write_probe (
    id INTEGER PRIMARY KEY,
    pad BLOB NOT NULL
);
