using System.Globalization;
using AptP2P.Engine.Apt;

namespace AptP2P.Tests.Apt;

public sealed class MetadataBenchmarkTests
{
    /// <summary>
    /// The measurement itself (65,000 stanzas, ~50 MB, about a minute, mostly xz compressing).
    /// Run on demand, from a Release build (a Debug engine parses 4-5 times slower):
    /// <c>AptP2P.Tests/bin/Release/net10.0/AptP2P.Tests -method "*Measure_parse_rates" -explicit only</c>.
    /// </summary>
    [Fact(Explicit = true)]
    public void Measure_parse_rates()
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);

        MetadataBenchmark.Run(output);

        TestContext.Current.TestOutputHelper?.WriteLine(output.ToString());
        Console.WriteLine(output.ToString());
    }

    [Fact]
    public void The_benchmark_runs_on_a_small_file()
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);

        MetadataBenchmark.Run(output, stanzas: 300);

        string report = output.ToString();
        Assert.Contains("300 stanzas", report, StringComparison.Ordinal);
        Assert.Contains("plain  parse:", report, StringComparison.Ordinal);
        Assert.Contains("xz     parse:", report, StringComparison.Ordinal);
    }

    [Fact]
    public void Synthetic_Packages_parse_without_a_skipped_stanza()
    {
        var content = new MemoryStream();
        SyntheticPackages.Write(content, 1000);
        content.Position = 0;

        using MetadataReadResult result = MetadataReader.Read(MetadataFile.Classify("debian/dists/sid/main/binary-amd64/Packages")!, content, TestContext.Current.CancellationToken);
        int entries = result.Entries.Count();

        Assert.Equal(1000, entries);
        Assert.Equal(new ParseStats(1000, 1000, 0, 0, true, null), result.Stats);
    }
}
