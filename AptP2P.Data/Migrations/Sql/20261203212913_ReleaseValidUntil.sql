BEGIN TRANSACTION;
ALTER TABLE "IndexSources" ADD "ValidUntil" TEXT NULL;

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261203212913_ReleaseValidUntil', '10.0.15');

COMMIT;
