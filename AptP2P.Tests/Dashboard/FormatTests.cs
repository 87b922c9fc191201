using AptP2P.Web.Dashboard.Components;

namespace AptP2P.Tests.Dashboard;

public sealed class FormatTests
{
    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(3L * 1024 * 1024 * 1024, "3 GiB")]
    public void Bytes_in_binary_units(long bytes, string text) => Assert.Equal(text, Format.Bytes(bytes));

    [Theory]
    [InlineData(0.4, "0 B/s")]
    [InlineData(2_097_152, "2 MiB/s")]
    public void Rates_per_second(double rate, string text) => Assert.Equal(text, Format.Rate(rate));

    [Theory]
    [InlineData(2.5, "2.5 s")]
    [InlineData(42, "42 s")]
    [InlineData(125, "2 min 5 s")]
    [InlineData(3 * 3600 + 240, "3 h 4 min")]
    [InlineData(2 * 86400 + 3600, "2 d 1 h")]
    public void Durations_short_and_exact_enough(double seconds, string text) => Assert.Equal(text, Format.Duration(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData(0.75, "75 %")]
    [InlineData(0.0123, "1.2 %")]
    public void Percentages(double fraction, string text) => Assert.Equal(text, Format.Percent(fraction));
}
