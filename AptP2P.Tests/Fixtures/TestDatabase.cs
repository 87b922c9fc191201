using AptP2P.Data;
using AptP2P.Engine.Configuration;
using Microsoft.EntityFrameworkCore;

namespace AptP2P.Tests.Fixtures;

/// <summary>
/// A node's database read through EF Core's model of it (<see cref="AptDb"/>): the node itself writes plain SQL, so what
/// the tests read this way also checks that its rows are what the schema's model says.
/// </summary>
internal static class TestDatabase
{
    public static AptDb Open(DataDirectory directory) =>
        new(new DbContextOptionsBuilder<AptDb>().UseSqlite($"Data Source={directory.Database};Pooling=False").Options);
}
