namespace AptP2P.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Solution_builds_and_tests_run() => Assert.Equal(4, 2 + 2);
}
