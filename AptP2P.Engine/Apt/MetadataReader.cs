using AptP2P.Engine.Apt.Decompression;
using AptP2P.Engine.Apt.Parsing;

namespace AptP2P.Engine.Apt;

/// <summary>
/// The one entry point for learning hashes from an apt index file that passed through the proxy:
/// raw (possibly compressed) bytes in, <see cref="IndexedFile"/> entries out, streamed.
/// </summary>
public static class MetadataReader
{
    /// <summary>Starts reading <paramref name="raw"/> as the file <paramref name="info"/> describes.</summary>
    /// <param name="raw">The file as served by the mirror; read from its current position, not disposed.</param>
    /// <param name="cancellationToken">Checked whenever more input is read.</param>
    public static MetadataReadResult Read(MetadataFileInfo info, Stream raw, CancellationToken cancellationToken = default) =>
        Read(info, raw, LineSegmentReader.DefaultBufferSize, ControlFileReader.DefaultMaxValueLength, cancellationToken);

    internal static MetadataReadResult Read(
        MetadataFileInfo info,
        Stream raw,
        int bufferSize,
        int maxValueLength,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(raw);

        var counters = new ParseCounters();
        Stream? content = null;
        ControlFileReader? reader = null;
        try
        {
            content = MetadataFile.OpenDecompressed(raw, info.Compression, leaveOpen: true);
            if (info.Kind == MetadataKind.Release)
            {
                content = new ClearsignedMessageStream(content, bufferSize);
            }

            reader = new ControlFileReader(content, FieldsOf(info.Kind), counters, bufferSize, maxValueLength, cancellationToken);
            switch (info.Kind)
            {
                case MetadataKind.Release:
                    // The header is needed before the entries, and a Release is small: read it now.
                    (var release, var listed) = ReleaseParser.Read(reader, info.BaseDirectory);
                    reader.Dispose();
                    content.Dispose();
                    return new MetadataReadResult(info, release, listed, counters);
                case MetadataKind.Packages:
                    return new MetadataReadResult(info, null, PackagesParser.Parse(reader, info.BaseDirectory, info.IsFlat), counters, reader, content);
                case MetadataKind.Sources:
                    return new MetadataReadResult(info, null, SourcesParser.Parse(reader, info.BaseDirectory, info.IsFlat), counters, reader, content);
                default:
                    return new MetadataReadResult(info, null, DiffIndexParser.Parse(reader, info.BaseDirectory), counters, reader, content);
            }
        }
        catch (Exception ex) when (GuardedEntries.IsBadInput(ex))
        {
            reader?.Dispose();
            content?.Dispose();
            counters.Error = ex.Message;
            return new MetadataReadResult(info, null, [], counters);
        }
    }

    private static ControlFields FieldsOf(MetadataKind kind) => kind switch
    {
        MetadataKind.Release => ReleaseParser.Fields,
        MetadataKind.Packages => PackagesParser.Fields,
        MetadataKind.Sources => SourcesParser.Fields,
        MetadataKind.DiffIndex => DiffIndexParser.Fields,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown metadata kind."),
    };
}
