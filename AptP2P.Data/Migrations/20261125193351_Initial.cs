using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AptP2P.Data.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "CachedFiles",
                columns: table => new
                {
                    Sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Size = table.Column<long>(type: "INTEGER", nullable: false),
                    StoredAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    LastAccessAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    Verified = table.Column<bool>(type: "INTEGER", nullable: false),
                    Hits = table.Column<long>(type: "INTEGER", nullable: false),
                    UploadedBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    PieceList = table.Column<byte[]>(type: "BLOB", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CachedFiles", x => x.Sha256);
                });

            migrationBuilder.CreateTable(
                name: "DhtRoutingEntries",
                columns: table => new
                {
                    NodeId = table.Column<byte[]>(type: "BLOB", maxLength: 20, nullable: false),
                    Address = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Port = table.Column<int>(type: "INTEGER", nullable: false),
                    LastSeenUnixMs = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DhtRoutingEntries", x => x.NodeId);
                });

            migrationBuilder.CreateTable(
                name: "DhtSelf",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    NodeId = table.Column<byte[]>(type: "BLOB", maxLength: 20, nullable: false),
                    ExternalAddress = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DhtSelf", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DhtStoredItems",
                columns: table => new
                {
                    Target = table.Column<byte[]>(type: "BLOB", maxLength: 20, nullable: false),
                    Value = table.Column<byte[]>(type: "BLOB", nullable: false),
                    PublicKey = table.Column<byte[]>(type: "BLOB", nullable: true),
                    Salt = table.Column<byte[]>(type: "BLOB", nullable: true),
                    Seq = table.Column<long>(type: "INTEGER", nullable: false),
                    Signature = table.Column<byte[]>(type: "BLOB", nullable: true),
                    ExpiresAtUnixMs = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DhtStoredItems", x => x.Target);
                });

            migrationBuilder.CreateTable(
                name: "DhtStoredPeers",
                columns: table => new
                {
                    InfoHash = table.Column<byte[]>(type: "BLOB", maxLength: 20, nullable: false),
                    Address = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Port = table.Column<int>(type: "INTEGER", nullable: false),
                    ExpiresAtUnixMs = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DhtStoredPeers", x => new { x.InfoHash, x.Address, x.Port });
                });

            migrationBuilder.CreateTable(
                name: "IndexSources",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Mirror = table.Column<string>(type: "TEXT", nullable: false),
                    Path = table.Column<string>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", nullable: false),
                    ContentSha256 = table.Column<string>(type: "TEXT", nullable: false),
                    Date = table.Column<DateTimeOffset>(type: "TEXT", nullable: true),
                    IngestedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    EntryCount = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IndexSources", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "UrlRecords",
                columns: table => new
                {
                    Url = table.Column<string>(type: "TEXT", nullable: false),
                    Sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Size = table.Column<long>(type: "INTEGER", nullable: false),
                    LastModified = table.Column<DateTimeOffset>(type: "TEXT", nullable: true),
                    ContentType = table.Column<string>(type: "TEXT", nullable: true),
                    ETag = table.Column<string>(type: "TEXT", nullable: true),
                    FetchedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UrlRecords", x => x.Url);
                });

            migrationBuilder.CreateTable(
                name: "HashEntries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Mirror = table.Column<string>(type: "TEXT", nullable: false),
                    Path = table.Column<string>(type: "TEXT", nullable: false),
                    Sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Size = table.Column<long>(type: "INTEGER", nullable: false),
                    SourceId = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_HashEntries", x => x.Id);
                    table.ForeignKey(
                        name: "FK_HashEntries_IndexSources_SourceId",
                        column: x => x.SourceId,
                        principalTable: "IndexSources",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CachedFiles_LastAccessAt",
                table: "CachedFiles",
                column: "LastAccessAt");

            migrationBuilder.CreateIndex(
                name: "IX_DhtStoredItems_ExpiresAtUnixMs",
                table: "DhtStoredItems",
                column: "ExpiresAtUnixMs");

            migrationBuilder.CreateIndex(
                name: "IX_DhtStoredPeers_ExpiresAtUnixMs",
                table: "DhtStoredPeers",
                column: "ExpiresAtUnixMs");

            migrationBuilder.CreateIndex(
                name: "IX_HashEntries_Mirror_Path",
                table: "HashEntries",
                columns: new[] { "Mirror", "Path" });

            migrationBuilder.CreateIndex(
                name: "IX_HashEntries_SourceId",
                table: "HashEntries",
                column: "SourceId");

            migrationBuilder.CreateIndex(
                name: "IX_IndexSources_Mirror_Path",
                table: "IndexSources",
                columns: new[] { "Mirror", "Path" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_UrlRecords_Sha256",
                table: "UrlRecords",
                column: "Sha256");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CachedFiles");

            migrationBuilder.DropTable(
                name: "DhtRoutingEntries");

            migrationBuilder.DropTable(
                name: "DhtSelf");

            migrationBuilder.DropTable(
                name: "DhtStoredItems");

            migrationBuilder.DropTable(
                name: "DhtStoredPeers");

            migrationBuilder.DropTable(
                name: "HashEntries");

            migrationBuilder.DropTable(
                name: "UrlRecords");

            migrationBuilder.DropTable(
                name: "IndexSources");
        }
    }
}
