"""The database side of the corpus's load (generator.py): the loaded tables' indexes and unique
constraints dropped before it and built again after, PostgreSQL sessions tuned for bulk inserts,
and ANALYZE (and VACUUM) once the rows are in."""

from concurrent.futures import ThreadPoolExecutor

from django.db import DatabaseError, connection, transaction

from .spec import CorpusError

LOADED_TABLES = [
    "documents_document",
    "documents_document_languages",
    "documents_document_donors",
    "documents_document_collections",
    "documents_document_subjects",
    "documents_document_places",
    "documents_document_archives",
    "documents_documentperson",
    "documents_relation",
]


class DatabasePreparation:
    """The Generator's part that readies the database for the load and restores it after (on
    self.dropped, with self.log)."""

    def prepare_database(self):
        """Speed the load up: SQLite without fsync; PostgreSQL without synchronous commits or
        foreign-key triggers. Either way without the indexes of the tables being filled, except
        primary keys (and SQLite's inline unique constraints): restore_indexes() builds them after.
        self.dropped holds the SQL that builds each again."""
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=OFF")
                cursor.execute("PRAGMA cache_size=-262144")  # 256 MB
                placeholders = ",".join("%s" for _ in LOADED_TABLES)
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                    f"AND tbl_name IN ({placeholders})",
                    LOADED_TABLES,
                )
                self.dropped = [(f'DROP INDEX "{name}"', sql) for name, sql in cursor.fetchall()]
            elif connection.vendor == "postgresql":
                tune_postgresql_session()
                # Unique constraints (dropped and added again as constraints) ...
                cursor.execute(
                    "SELECT t.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
                    "JOIN pg_class t ON t.oid = k.conrelid WHERE t.relname = ANY(%s) AND k.contype = 'u'",
                    [LOADED_TABLES],
                )
                self.dropped = []
                for table, name, sql in cursor.fetchall():
                    drop = f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'
                    self.dropped.append((drop, f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {sql}'))
                # ... and the other indexes but primary keys.
                cursor.execute(
                    "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
                    "WHERE t.relname = ANY(%s) AND NOT i.indisprimary "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
                    [LOADED_TABLES],
                )
                self.dropped += [(f'DROP INDEX "{name}"', sql) for name, sql in cursor.fetchall()]
            else:
                raise CorpusError(f"Unsupported database: {connection.vendor}")
            for drop, _ in self.dropped:
                cursor.execute(drop)
        if self.dropped:
            self.log(f"dropped {len(self.dropped)} indexes and unique constraints for the load")
        self.log(f"loading into {connection.vendor} database {connection.settings_dict['NAME']}")

    def restore_indexes(self, which=None):
        """Build again what prepare_database() dropped (those `which(sql)` selects, or all). On
        PostgreSQL in two sessions at once."""
        chosen = [sql for _, sql in self.dropped if which is None or which(sql)]
        self.dropped = [(drop, sql) for drop, sql in self.dropped if sql not in chosen]
        if connection.vendor == "postgresql" and len(chosen) > 1:
            _run_in_parallel([chosen[::2], chosen[1::2]])
        else:
            _run_in_parallel([chosen])

    def analyze(self):
        if connection.vendor == "postgresql":
            # VACUUM sets the visibility map (index-only scans) and hint bits, as autovacuum would
            # some time after the load; PROCESS_TOAST off skips the texts' TOAST table.
            tables = LOADED_TABLES
            vacuum = [f"VACUUM (ANALYZE, PROCESS_TOAST FALSE) {table}" for table in tables]
            _run_in_parallel([vacuum[:1], vacuum[1:]])
            _run_in_parallel([["ANALYZE"]])
        else:
            _run_in_parallel([["ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)"]])


def tune_postgresql_session():
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        try:
            # Skips foreign-key triggers, as pg_restore --disable-triggers does; the generator
            # makes consistent rows. Only a superuser may: otherwise the checks just run.
            with transaction.atomic():
                cursor.execute("SET session_replication_role = replica")
        except DatabaseError:
            pass


def _run_in_parallel(groups):
    """Run each group of SQL statements in order, the groups at the same time on their own
    connections (threads); the current connection runs the first group."""

    def run(statements, own_connection):
        try:
            if own_connection and connection.vendor == "postgresql":
                tune_postgresql_session()
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
        finally:
            if own_connection:
                connection.close()

    groups = [group for group in groups if group]
    if not groups:
        return
    with ThreadPoolExecutor(max_workers=len(groups)) as pool:
        others = [pool.submit(run, group, True) for group in groups[1:]]
        run(groups[0], False)
        for future in others:
            future.result()
