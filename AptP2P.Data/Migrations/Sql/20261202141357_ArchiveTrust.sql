BEGIN TRANSACTION;
ALTER TABLE "IndexSources" ADD "SigningKey" TEXT NULL;

ALTER TABLE "IndexSources" ADD "Trust" TEXT NULL;

ALTER TABLE "IndexSources" ADD "TrustReason" TEXT NULL;

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261202141357_ArchiveTrust', '10.0.15');

COMMIT;
