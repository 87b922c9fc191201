using System.Buffers;
using System.Text;

namespace AptP2P.Engine.Apt.Parsing;

/// <summary>SHA-256 digests as they appear in apt metadata: 64 hex digits.</summary>
internal static class Sha256Hex
{
    public const int Length = 64;

    private static readonly SearchValues<byte> HexDigits = SearchValues.Create("0123456789abcdefABCDEF"u8);

    public static bool IsValid(ReadOnlySpan<byte> hex) => hex.Length == Length && !hex.ContainsAnyExcept(HexDigits);

    /// <summary>The canonical (lower-case) form; <paramref name="hex"/> must be valid.</summary>
    public static string ToCanonical(ReadOnlySpan<byte> hex)
    {
        Span<char> chars = stackalloc char[Length];
        Ascii.ToLower(hex, chars, out _);
        return new string(chars);
    }
}
