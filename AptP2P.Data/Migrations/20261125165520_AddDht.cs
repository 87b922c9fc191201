using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AptP2P.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddDht : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
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

            migrationBuilder.CreateIndex(
                name: "IX_DhtStoredItems_ExpiresAtUnixMs",
                table: "DhtStoredItems",
                column: "ExpiresAtUnixMs");

            migrationBuilder.CreateIndex(
                name: "IX_DhtStoredPeers_ExpiresAtUnixMs",
                table: "DhtStoredPeers",
                column: "ExpiresAtUnixMs");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DhtRoutingEntries");

            migrationBuilder.DropTable(
                name: "DhtSelf");

            migrationBuilder.DropTable(
                name: "DhtStoredItems");

            migrationBuilder.DropTable(
                name: "DhtStoredPeers");
        }
    }
}
