-- The throttle's counters are rates over minutes, not records: they need atomic updates under row
-- locks, not durability. Unlogged, a claim writes no WAL and its commit waits for no disk flush (a
-- sign-in or registration makes one or two such commits before its own). After a crash of the
-- database server (not a clean restart) the table comes back empty, and a standby does not have it:
-- the counts start again, as they do when their window passes. Audit entries of lockouts are in
-- audit_log, which stays logged.
ALTER TABLE login_throttle SET UNLOGGED;
