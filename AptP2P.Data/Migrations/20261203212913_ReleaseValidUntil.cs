using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AptP2P.Data.Migrations
{
    /// <inheritdoc />
    public partial class ReleaseValidUntil : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ValidUntil",
                table: "IndexSources",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ValidUntil",
                table: "IndexSources");
        }
    }
}
