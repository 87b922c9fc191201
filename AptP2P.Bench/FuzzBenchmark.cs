namespace AptP2P.Bench;

/// <summary>The fuzzing of issue 10: hostile KRPC datagrams at a node process, hostile control files at the parsers.</summary>
internal static class FuzzBenchmark
{
    /// <returns>Whether every part that ran came through clean.</returns>
    public static async Task<bool> RunAsync(TextWriter output, string[] parts)
    {
        var all = parts.Length == 0;
        var unknown = parts.Except(["krpc", "control"]).ToList();
        if (unknown.Count > 0)
        {
            output.WriteLine($"unknown fuzz part(s): {string.Join(", ", unknown)}; use krpc, control");
            return false;
        }
        var clean = true;
        if (all || parts.Contains("control"))
            clean &= ControlFileFuzzBenchmark.Run(output);
        if (all || parts.Contains("krpc"))
            clean &= await KrpcFuzzBenchmark.RunAsync(output, CancellationToken.None);
        output.WriteLine(clean ? "fuzz: clean" : "fuzz: FAILURES, see above");
        return clean;
    }
}
