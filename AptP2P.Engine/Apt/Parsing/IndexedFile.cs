namespace AptP2P.Engine.Apt.Parsing;

/// <summary>One file of the archive as listed in its metadata.</summary>
/// <param name="Path">Full mirror path (no leading slash, normalised).</param>
/// <param name="Sha256">64 lower-case hex digits.</param>
/// <param name="Size">Size in bytes.</param>
public sealed record IndexedFile(string Path, string Sha256, long Size);
