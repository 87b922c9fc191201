using AptP2P.Engine.Configuration;

namespace AptP2P.Tests.Configuration;

public sealed class ConfigurationListTests
{
    [Fact]
    public void Entries_may_hold_items_separated_by_commas_semicolons_and_white_space()
    {
        string[] entries = ["192.168.1.0/24, 10.0.0.0/8;127.0.0.1", "  ::1\n fd00::/8\r\n", "a.example\tb.example"];

        Assert.Equal(
            ["192.168.1.0/24", "10.0.0.0/8", "127.0.0.1", "::1", "fd00::/8", "a.example", "b.example"],
            ConfigurationList.Split(entries));
    }

    [Fact]
    public void Blank_and_missing_entries_give_no_items()
    {
        Assert.Empty(ConfigurationList.Split([" ", "", ",;", null]));
        Assert.Empty(ConfigurationList.Split((IEnumerable<string?>?)null));
        Assert.Empty(ConfigurationList.Split((string?)null));
    }
}
