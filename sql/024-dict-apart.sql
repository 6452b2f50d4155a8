-- pgload resolves dictionary values (buckets, objects, clients, ...) on a
-- connection of its own, in short transactions of their own, while its
-- loader connection loads the previous batch: ids are then committed before
-- any batch uses them and never rolled back with one (an id no row uses is
-- harmless; the dictionaries only grow).
--
-- pgload_dict_wait(): pgload_dict(), retried after a short sleep when a
-- lock cannot be had within the session's lock_timeout or the server
-- breaks a deadlock with it.  The dictionary connection sets lock_timeout
-- below deadlock_timeout, so that when it and a loader's slow path
-- (pgload_merge(), which inserts dictionary values in its batch's
-- transaction) wait for each other, the dictionary side gives way: its
-- subtransaction's inserts and locks are undone, the loader goes on, and
-- the dictionary side tries again.
CREATE OR REPLACE FUNCTION pgload_dict_wait() RETURNS TABLE (ord int, id int)
LANGUAGE plpgsql AS $$
BEGIN
	LOOP
		BEGIN
			RETURN QUERY SELECT d.ord, d.id FROM pgload_dict() d;
			RETURN;
		EXCEPTION WHEN lock_not_available OR deadlock_detected THEN
			PERFORM pg_sleep(0.01 + random() * 0.05);
		END;
	END LOOP;
END
$$;
