namespace AptP2P.Engine.Apt;

/// <summary>The kinds of apt index file whose entries we learn hashes from.</summary>
public enum MetadataKind
{
    /// <summary><c>InRelease</c> or <c>Release</c>: hashes of the suite's index files.</summary>
    Release,

    /// <summary><c>Packages</c>: hashes of binary packages (<c>.deb</c>, <c>.udeb</c>).</summary>
    Packages,

    /// <summary><c>Sources</c>: hashes of source package files.</summary>
    Sources,

    /// <summary>A pdiff <c>Index</c> inside a <c>*.diff/</c> directory: hashes of the patches.</summary>
    DiffIndex,
}
