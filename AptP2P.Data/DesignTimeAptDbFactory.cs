using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AptP2P.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the context without the web host.</summary>
public sealed class DesignTimeAptDbFactory : IDesignTimeDbContextFactory<AptDb>
{
    public AptDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AptDb>().UseSqlite("Data Source=design-time.db").Options);
}
