using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace AptP2P.Engine.Apt.Parsing;

/// <summary>
/// Turns names found in metadata into full mirror paths under one base directory. Names come
/// from the network, so anything that could point outside the base is refused: <c>..</c>
/// segments, absolute paths, control characters, backslashes, invalid UTF-8.
/// </summary>
internal sealed class ArchivePathBuilder
{
    private static readonly SearchValues<byte> Forbidden = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(b => (byte)b), 0x7F, (byte)'\\']);

    private readonly byte[] _base;
    private readonly bool _flat;
    private byte[] _scratch = new byte[512];
    private int _length;

    /// <param name="baseDirectory">A normalised mirror directory, "" for the host root.</param>
    /// <param name="flat">
    /// The index lives in a flat repository's directory. For <c>deb uri sub/</c> apt reads Filename relative to <c>uri</c>,
    /// so names repeat the trailing directories of the index (<c>sub/x.deb</c> beside <c>uri/sub/Packages</c>); that overlap
    /// is removed from the base.
    /// </param>
    public ArchivePathBuilder(string baseDirectory, bool flat = false)
    {
        _base = Encoding.UTF8.GetBytes(baseDirectory);
        _flat = flat;
    }

    /// <returns>The full path of <paramref name="relative"/>, or null if it is unsafe or names no file.</returns>
    public string? TryBuild(ReadOnlySpan<byte> relative) => TryBuild(default, relative);

    /// <returns>The full path of <paramref name="directory"/>/<paramref name="name"/>, or null if it is unsafe or names no file.</returns>
    public string? TryBuild(ReadOnlySpan<byte> directory, ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty || name[^1] == '/')
        {
            return null;
        }

        _length = 0;
        var baseLength = _flat ? BaseLengthWithout(directory.IsEmpty ? name : directory) : _base.Length;
        Append(_base.AsSpan(0, baseLength));
        if (!AppendRelative(directory) || !AppendRelative(name) || _length == baseLength)
        {
            return null;
        }

        ReadOnlySpan<byte> path = _scratch.AsSpan(0, _length);
        return Utf8.IsValid(path) ? Encoding.UTF8.GetString(path) : null;
    }

    /// <summary>The base without its longest trailing run of segments that <paramref name="relative"/> starts with.</summary>
    private int BaseLengthWithout(ReadOnlySpan<byte> relative)
    {
        for (var start = 0; start < _base.Length; start++)
        {
            if (start > 0 && _base[start - 1] != '/')
                continue;
            var suffix = _base.AsSpan(start);
            if (relative.Length > suffix.Length && relative.StartsWith(suffix) && relative[suffix.Length] == '/')
                return start == 0 ? 0 : start - 1;
        }
        return _base.Length;
    }

    private bool AppendRelative(ReadOnlySpan<byte> relative)
    {
        if (relative.IsEmpty)
        {
            return true;
        }

        if (relative[0] == '/' || relative.ContainsAny(Forbidden))
        {
            return false;
        }

        while (!relative.IsEmpty)
        {
            var slash = relative.IndexOf((byte)'/');
            var segment = slash < 0 ? relative : relative[..slash];
            relative = slash < 0 ? default : relative[(slash + 1)..];
            if (segment.IsEmpty || segment.SequenceEqual("."u8))
            {
                continue;
            }

            if (segment.SequenceEqual(".."u8))
            {
                return false;
            }

            if (_length > 0)
            {
                Append("/"u8);
            }

            Append(segment);
        }

        return true;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_scratch.Length - _length < bytes.Length)
        {
            Array.Resize(ref _scratch, Math.Max(_scratch.Length * 2, _length + bytes.Length));
        }

        bytes.CopyTo(_scratch.AsSpan(_length));
        _length += bytes.Length;
    }
}
