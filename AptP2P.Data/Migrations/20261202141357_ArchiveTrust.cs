using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AptP2P.Data.Migrations
{
    /// <inheritdoc />
    public partial class ArchiveTrust : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "SigningKey",
                table: "IndexSources",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Trust",
                table: "IndexSources",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TrustReason",
                table: "IndexSources",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "SigningKey",
                table: "IndexSources");

            migrationBuilder.DropColumn(
                name: "Trust",
                table: "IndexSources");

            migrationBuilder.DropColumn(
                name: "TrustReason",
                table: "IndexSources");
        }
    }
}
