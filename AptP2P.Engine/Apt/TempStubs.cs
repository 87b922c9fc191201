namespace AptP2P.Engine.Apt;
public enum MetadataKind { Release, Packages, Sources, DiffIndex }
public sealed record MetadataFileInfo(MetadataKind Kind, string SourcePath, string BaseDirectory);
public readonly record struct IndexedFile(string Path, string Sha256, long Size);
public sealed record ReleaseInfo(DateTimeOffset? Date);
public sealed record MetadataReadResult(ReleaseInfo? Release, IEnumerable<IndexedFile> Entries);
public static class MetadataFile { public static MetadataFileInfo? Classify(string path) => null; }
public static class MetadataReader { public static MetadataReadResult Read(MetadataFileInfo info, Stream raw) => new(null, []); }
