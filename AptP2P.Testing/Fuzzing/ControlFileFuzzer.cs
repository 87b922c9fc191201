using System.Diagnostics;
using System.IO.Compression;
using AptP2P.Engine.Apt;
using AptP2P.Engine.Apt.Parsing;

namespace AptP2P.Testing.Fuzzing;

/// <summary>An input the metadata reader did not handle: an exception that escaped it, or an entry it should never yield.</summary>
public sealed record ControlFileFuzzFailure(string MirrorPath, string Problem, byte[] Input);

/// <summary>What a fuzz run through one parser did.</summary>
/// <param name="WithEntries">Inputs that yielded at least one entry.</param>
/// <param name="Damaged">Inputs the reader noticed damage in: skipped entries or malformed lines.</param>
/// <param name="Rejected">Inputs the reader refused as unreadable (<see cref="ParseStats.Failed"/>: corrupt compressed data), its documented way to say so.</param>
/// <param name="Failures">The first few failures, with their input.</param>
public sealed record ControlFileFuzzTally(
    ControlFileKind Kind,
    int Inputs,
    long InputBytes,
    int WithEntries,
    long Entries,
    int Damaged,
    int Rejected,
    int FailureCount,
    IReadOnlyList<ControlFileFuzzFailure> Failures,
    TimeSpan Elapsed,
    TimeSpan SlowestInput);

/// <summary>
/// Runs mutated control files through <see cref="MetadataReader"/>, the one entry point the proxy uses for every index
/// it sees, and checks the contract it documents: bad input never throws, it only ends the entries early and shows in
/// the stats; and no entry ever names a path outside the archive.
/// </summary>
public static class ControlFileFuzzer
{
    private const int KeptFailures = 5;

    /// <param name="inputs">How many mutated files to read.</param>
    /// <param name="seed">The seed of the mutations: the same seed reads the same files.</param>
    /// <param name="read">
    /// How to open a file; <see cref="MetadataReader.Read(MetadataFileInfo, Stream, CancellationToken)"/> when null. Tests pass
    /// the reader with tiny buffers, so that every line is delivered in pieces.
    /// </param>
    public static ControlFileFuzzTally Run(ControlFileKind kind, int inputs, int seed, Func<MetadataFileInfo, Stream, MetadataReadResult>? read = null)
    {
        read ??= (info, stream) => MetadataReader.Read(info, stream);
        var seeds = ControlFileCorpus.Seeds(kind);
        var random = new Random(seed);
        var failures = new List<ControlFileFuzzFailure>();
        int failureCount = 0, withEntries = 0, damaged = 0, rejected = 0;
        long entries = 0, inputBytes = 0;
        var slowest = TimeSpan.Zero;
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < inputs; i++)
        {
            var seedIndex = random.Next(seeds.Count);
            var input = ControlFileCorpus.Mutate(seeds[seedIndex], random);
            var path = ControlFileCorpus.MirrorPath(kind, clearsigned: random.Next(2) == 0);
            // Now and then through the decompressor too, intact or damaged after compression: a mirror's .gz can break.
            if (kind != ControlFileKind.Release && random.Next(16) == 0)
            {
                input = Gzip(input, damage: random.Next(2) == 0, random);
                path += ".gz";
            }
            inputBytes += input.Length;

            var started = Stopwatch.GetTimestamp();
            var problem = Read(read, path, input, out var stats, out var count);
            var elapsed = Stopwatch.GetElapsedTime(started);
            slowest = elapsed > slowest ? elapsed : slowest;
            if (problem is not null)
            {
                failureCount++;
                if (failures.Count < KeptFailures)
                    failures.Add(new ControlFileFuzzFailure(path, problem, input));
                continue;
            }
            entries += count;
            withEntries += count > 0 ? 1 : 0;
            damaged += stats!.SkippedEntries > 0 || stats.MalformedLines > 0 ? 1 : 0;
            rejected += stats.Failed ? 1 : 0;
        }
        return new ControlFileFuzzTally(kind, inputs, inputBytes, withEntries, entries, damaged, rejected, failureCount, failures, stopwatch.Elapsed, slowest);
    }

    /// <returns>null when the reader kept its contract, else what went wrong.</returns>
    private static string? Read(Func<MetadataFileInfo, Stream, MetadataReadResult> read, string path, byte[] input, out ParseStats? stats, out int count)
    {
        stats = null;
        count = 0;
        var info = MetadataFile.Classify(path) ?? throw new ArgumentException($"{path} is not metadata.", nameof(path));
        try
        {
            using var result = read(info, new MemoryStream(input, writable: false));
            foreach (var entry in result.Entries)
            {
                count++;
                if (!IsInsideArchive(entry.Path))
                    return $"an entry outside the archive: '{entry.Path}'";
                if (entry.Size < 0 || entry.Sha256.Length != 64)
                    return $"a malformed entry: {entry}";
            }
            stats = result.Stats;
            return null;
        }
#pragma warning disable CA1031 // Catching everything is the point: any exception escaping the reader is the bug being looked for.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ex.ToString();
        }
    }

    private static bool IsInsideArchive(string path) =>
        path.StartsWith("debian/", StringComparison.Ordinal)
        && !path.Contains("/../", StringComparison.Ordinal) && !path.EndsWith("/..", StringComparison.Ordinal)
        && !path.Contains('\\', StringComparison.Ordinal) && !path.Contains("//", StringComparison.Ordinal)
        && !path.Any(char.IsControl);

    private static byte[] Gzip(byte[] plain, bool damage, Random random)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(plain);
        var compressed = buffer.ToArray();
        if (damage)
        {
            // Past the ten-byte header, so the format is still recognised and the damage hits the data or the trailer.
            for (var i = 0; i < 1 + random.Next(4) && compressed.Length > 10; i++)
                compressed[random.Next(10, compressed.Length)] ^= (byte)(1 << random.Next(8));
        }
        return compressed;
    }
}
