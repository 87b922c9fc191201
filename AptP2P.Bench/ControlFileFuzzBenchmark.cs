using AptP2P.Testing.Fuzzing;
using static AptP2P.Bench.Measurements;

namespace AptP2P.Bench;

/// <summary>100,000 mutated files through each metadata parser (Packages, Sources, Release/InRelease), counting what escapes.</summary>
internal static class ControlFileFuzzBenchmark
{
    private const int Inputs = 100_000;

    // The hex of a failing input is printed up to this many bytes: enough to reproduce most, not a flood.
    private const int ShownBytes = 4096;

    /// <returns>Whether no input made a parser throw or yield an entry outside the archive.</returns>
    public static bool Run(TextWriter output)
    {
        var clean = true;
        foreach (var kind in Enum.GetValues<ControlFileKind>())
        {
            var tally = ControlFileFuzzer.Run(kind, Inputs, seed: 20261202);
            var seconds = tally.Elapsed.TotalSeconds;
            output.WriteLine($"control {kind}: {tally.Inputs:N0} inputs ({F(tally.InputBytes / 1e6, "0.0")} MB) in {F(seconds, "0.0")} s, {F(tally.Inputs / seconds, "0")} inputs/s; "
                + $"{tally.WithEntries:N0} yielded entries ({tally.Entries:N0} in all), {tally.Damaged:N0} had skipped entries or malformed lines, "
                + $"{tally.Rejected:N0} rejected as unreadable; slowest input {F(tally.SlowestInput.TotalMilliseconds, "0.0")} ms; failures: {tally.FailureCount}");
            foreach (var failure in tally.Failures)
            {
                output.WriteLine($"  {failure.MirrorPath}: {failure.Problem}");
                output.WriteLine($"  input ({failure.Input.Length} bytes): {Convert.ToHexString(failure.Input.AsSpan(0, Math.Min(failure.Input.Length, ShownBytes)))}");
            }
            clean &= tally.FailureCount == 0;
        }
        return clean;
    }
}
