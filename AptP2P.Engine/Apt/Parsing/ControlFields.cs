using System.Text;

namespace AptP2P.Engine.Apt.Parsing;

/// <summary>
/// The fields a caller of <see cref="ControlFileReader"/> wants captured; every other field is
/// skipped without copying. A field is addressed by its position in the constructor's list.
/// </summary>
internal sealed class ControlFields
{
    private readonly byte[][] _names;

    public ControlFields(params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (names.Any(name => name.Length == 0 || !Ascii.IsValid(name) || name.Contains(':', StringComparison.Ordinal)))
        {
            throw new ArgumentException("Field names are non-empty ASCII without ':'.", nameof(names));
        }

        _names = [.. names.Select(Encoding.ASCII.GetBytes)];
    }

    public int Count => _names.Length;

    /// <summary>The position of <paramref name="name"/> in the list, or -1. Field names are case-insensitive.</summary>
    public int IndexOf(ReadOnlySpan<byte> name)
    {
        var names = _names;
        for (var i = 0; i < names.Length; i++)
        {
            if (names[i].Length == name.Length && Ascii.EqualsIgnoreCase(names[i], name))
            {
                return i;
            }
        }

        return -1;
    }
}
