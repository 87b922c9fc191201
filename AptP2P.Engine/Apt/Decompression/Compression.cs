namespace AptP2P.Engine.Apt.Decompression;

/// <summary>How an index file is compressed, as declared by its name.</summary>
public enum Compression
{
    None,
    Gzip,
    Xz,
    Bzip2,

    /// <summary>A suffix apt knows (<c>.lzma</c>, <c>.zst</c>, <c>.lz4</c>) but we cannot decompress.</summary>
    Unsupported,
}
