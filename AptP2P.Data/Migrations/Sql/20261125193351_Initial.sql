CREATE TABLE IF NOT EXISTS "__EFMigrationsHistory" (
    "MigrationId" TEXT NOT NULL CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY,
    "ProductVersion" TEXT NOT NULL
);

BEGIN TRANSACTION;
CREATE TABLE "CachedFiles" (
    "Sha256" TEXT NOT NULL CONSTRAINT "PK_CachedFiles" PRIMARY KEY,
    "Size" INTEGER NOT NULL,
    "StoredAt" TEXT NOT NULL,
    "LastAccessAt" TEXT NOT NULL,
    "Verified" INTEGER NOT NULL,
    "Hits" INTEGER NOT NULL,
    "UploadedBytes" INTEGER NOT NULL,
    "PieceList" BLOB NULL
);

CREATE TABLE "DhtRoutingEntries" (
    "NodeId" BLOB NOT NULL CONSTRAINT "PK_DhtRoutingEntries" PRIMARY KEY,
    "Address" TEXT NOT NULL,
    "Port" INTEGER NOT NULL,
    "LastSeenUnixMs" INTEGER NOT NULL
);

CREATE TABLE "DhtSelf" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_DhtSelf" PRIMARY KEY,
    "NodeId" BLOB NOT NULL,
    "ExternalAddress" TEXT NULL
);

CREATE TABLE "DhtStoredItems" (
    "Target" BLOB NOT NULL CONSTRAINT "PK_DhtStoredItems" PRIMARY KEY,
    "Value" BLOB NOT NULL,
    "PublicKey" BLOB NULL,
    "Salt" BLOB NULL,
    "Seq" INTEGER NOT NULL,
    "Signature" BLOB NULL,
    "ExpiresAtUnixMs" INTEGER NOT NULL
);

CREATE TABLE "DhtStoredPeers" (
    "InfoHash" BLOB NOT NULL,
    "Address" TEXT NOT NULL,
    "Port" INTEGER NOT NULL,
    "ExpiresAtUnixMs" INTEGER NOT NULL,
    CONSTRAINT "PK_DhtStoredPeers" PRIMARY KEY ("InfoHash", "Address", "Port")
);

CREATE TABLE "IndexSources" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_IndexSources" PRIMARY KEY AUTOINCREMENT,
    "Mirror" TEXT NOT NULL,
    "Path" TEXT NOT NULL,
    "Kind" TEXT NOT NULL,
    "ContentSha256" TEXT NOT NULL,
    "Date" TEXT NULL,
    "IngestedAt" TEXT NOT NULL,
    "EntryCount" INTEGER NOT NULL
);

CREATE TABLE "UrlRecords" (
    "Url" TEXT NOT NULL CONSTRAINT "PK_UrlRecords" PRIMARY KEY,
    "Sha256" TEXT NOT NULL,
    "Size" INTEGER NOT NULL,
    "LastModified" TEXT NULL,
    "ContentType" TEXT NULL,
    "ETag" TEXT NULL,
    "FetchedAt" TEXT NOT NULL
);

CREATE TABLE "HashEntries" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_HashEntries" PRIMARY KEY AUTOINCREMENT,
    "Mirror" TEXT NOT NULL,
    "Path" TEXT NOT NULL,
    "Sha256" TEXT NOT NULL,
    "Size" INTEGER NOT NULL,
    "SourceId" INTEGER NOT NULL,
    CONSTRAINT "FK_HashEntries_IndexSources_SourceId" FOREIGN KEY ("SourceId") REFERENCES "IndexSources" ("Id") ON DELETE CASCADE
);

CREATE INDEX "IX_CachedFiles_LastAccessAt" ON "CachedFiles" ("LastAccessAt");

CREATE INDEX "IX_DhtStoredItems_ExpiresAtUnixMs" ON "DhtStoredItems" ("ExpiresAtUnixMs");

CREATE INDEX "IX_DhtStoredPeers_ExpiresAtUnixMs" ON "DhtStoredPeers" ("ExpiresAtUnixMs");

CREATE INDEX "IX_HashEntries_Mirror_Path" ON "HashEntries" ("Mirror", "Path");

CREATE INDEX "IX_HashEntries_SourceId" ON "HashEntries" ("SourceId");

CREATE UNIQUE INDEX "IX_IndexSources_Mirror_Path" ON "IndexSources" ("Mirror", "Path");

CREATE INDEX "IX_UrlRecords_Sha256" ON "UrlRecords" ("Sha256");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261125193351_Initial', '10.0.15');

COMMIT;
