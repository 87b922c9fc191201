using AptP2P.Engine.Apt;
using AptP2P.Engine.Apt.Parsing;
using AptP2P.Testing.Fuzzing;

namespace AptP2P.Tests.Apt;

/// <summary>
/// 10,000 mutated files per parser through the metadata reader: none may throw or yield a path outside the archive.
/// The benchmark (<c>AptP2P.Bench -- fuzz control</c>) runs the same at 100,000 per parser.
/// </summary>
public sealed class ControlFileFuzzTests
{
    private const int Inputs = 10_000;

    [Theory]
    [InlineData(ControlFileKind.Packages)]
    [InlineData(ControlFileKind.Sources)]
    [InlineData(ControlFileKind.Release)]
    public void Mutated_control_files_never_escape_the_reader(ControlFileKind kind)
    {
        var tally = ControlFileFuzzer.Run(kind, Inputs, seed: 4242);

        Assert.True(tally.FailureCount == 0, Describe(tally));
        Assert.True(tally.WithEntries > Inputs / 4, $"Only {tally.WithEntries} inputs yielded entries: the mutations are too wild");
        Assert.True(tally.Damaged > Inputs / 4, $"Only {tally.Damaged} inputs had skipped entries or malformed lines: the mutations are too tame");
        Assert.True(tally.SlowestInput < TimeSpan.FromSeconds(2), $"One input took {tally.SlowestInput.TotalSeconds:0.0} s");
    }

    [Theory]
    [InlineData(ControlFileKind.Packages)]
    [InlineData(ControlFileKind.Sources)]
    [InlineData(ControlFileKind.Release)]
    public void Mutated_control_files_read_in_tiny_pieces_never_escape_the_reader(ControlFileKind kind)
    {
        // The smallest buffer splits most lines into pieces, and a 4 KiB value limit drops the huge values halfway.
        var tally = ControlFileFuzzer.Run(kind, Inputs, seed: 777, (info, stream) =>
            MetadataReader.Read(info, stream, LineSegmentReader.MinimumBufferSize, maxValueLength: 4096, CancellationToken.None));

        Assert.True(tally.FailureCount == 0, Describe(tally));
        Assert.True(tally.WithEntries > Inputs / 4, $"Only {tally.WithEntries} inputs yielded entries: the mutations are too wild");
    }

    [Fact]
    public void Damaged_compressed_files_are_rejected_the_documented_way()
    {
        var tally = ControlFileFuzzer.Run(ControlFileKind.Packages, Inputs, seed: 99);

        Assert.Equal(0, tally.FailureCount);
        Assert.True(tally.Rejected > 0, "No damaged .gz was reported as unreadable in the stats");
    }

    private static string Describe(ControlFileFuzzTally tally) =>
        $"{tally.FailureCount} of {tally.Inputs} inputs failed; the first:\n"
        + string.Join("\n\n", tally.Failures.Select(f => $"{f.MirrorPath}: {f.Problem}\ninput: {Convert.ToHexString(f.Input)}"));
}
