using System.Buffers;
using System.Text;
using AptP2P.Engine.Dht.Bencode;

namespace AptP2P.Tests.Dht;

/// <summary>A bencoded value as an immutable tree, for tests that build or inspect values as a whole (BEP 44 items, packets).</summary>
public abstract record BencodeValue
{
    public byte[] ToArray()
    {
        var buffer = new ArrayBufferWriter<byte>();
        WriteTo(new BencodeWriter(buffer));
        return buffer.WrittenSpan.ToArray();
    }

    public abstract void WriteTo(BencodeWriter writer);

    /// <summary>Parses a strict bencoded value; null when it is not one.</summary>
    public static BencodeValue? Parse(ReadOnlyMemory<byte> data)
    {
        if (!BencodeDocument.TryParse(data, out var document, out _))
            return null;
        using (document)
            return From(document!.Root);
    }

    /// <summary>Copies an element out of its document. Depth is bounded by the document's own limit.</summary>
    public static BencodeValue From(BencodeElement element)
    {
        switch (element.Kind)
        {
            case BencodeKind.Number:
                element.TryGetInteger(out var value);
                return new BencodeInteger(value);
            case BencodeKind.Bytes:
                return new BencodeString(element.GetBytes().ToArray());
            case BencodeKind.List:
                var items = new List<BencodeValue>(element.Count);
                foreach (var child in element.EnumerateChildren())
                    items.Add(From(child));
                return new BencodeList(items);
            default:
                var entries = new SortedDictionary<byte[], BencodeValue>(ByteKeyComparer.Instance);
                byte[]? key = null;
                foreach (var child in element.EnumerateChildren())
                {
                    if (key is null)
                    {
                        key = child.GetBytes().ToArray();
                        continue;
                    }
                    entries[key] = From(child);
                    key = null;
                }
                return new BencodeDict(entries);
        }
    }
}

public sealed record BencodeInteger(long Value) : BencodeValue
{
    public override void WriteTo(BencodeWriter writer) => writer.WriteInteger(Value);
}

public sealed record BencodeString(byte[] Value) : BencodeValue
{
    public static BencodeString FromText(string text) => new(Encoding.UTF8.GetBytes(text));
    public override void WriteTo(BencodeWriter writer) => writer.WriteString(Value);
    public bool Equals(BencodeString? other) => other is not null && Value.AsSpan().SequenceEqual(other.Value);
    public override int GetHashCode() => Value.Length;
}

public sealed record BencodeList(IReadOnlyList<BencodeValue> Items) : BencodeValue
{
    public override void WriteTo(BencodeWriter writer)
    {
        writer.WriteListStart();
        foreach (var item in Items)
            item.WriteTo(writer);
        writer.WriteEnd();
    }

    public bool Equals(BencodeList? other) => other is not null && Items.SequenceEqual(other.Items);
    public override int GetHashCode() => Items.Count;
}

/// <summary>A dictionary; its keys are kept in bencode order (raw bytes, ascending), so encoding is always canonical.</summary>
public sealed record BencodeDict(SortedDictionary<byte[], BencodeValue> Entries) : BencodeValue
{
    public BencodeDict()
        : this(new SortedDictionary<byte[], BencodeValue>(ByteKeyComparer.Instance))
    {
    }

    public BencodeDict Add(string key, BencodeValue value)
    {
        Entries[Encoding.UTF8.GetBytes(key)] = value;
        return this;
    }

    public BencodeValue? this[string key] => Entries.TryGetValue(Encoding.UTF8.GetBytes(key), out var v) ? v : null;

    public override void WriteTo(BencodeWriter writer)
    {
        writer.WriteDictionaryStart();
        foreach (var (key, value) in Entries)
        {
            writer.WriteString(key);
            value.WriteTo(writer);
        }
        writer.WriteEnd();
    }

    public bool Equals(BencodeDict? other) =>
        other is not null && Entries.Count == other.Entries.Count
        && Entries.Zip(other.Entries).All(p => p.First.Key.AsSpan().SequenceEqual(p.Second.Key) && p.First.Value.Equals(p.Second.Value));

    public override int GetHashCode() => Entries.Count;
}

/// <summary>Bencode's key order: raw bytes compared as unsigned, shorter prefix first.</summary>
public sealed class ByteKeyComparer : IComparer<byte[]>
{
    public static readonly ByteKeyComparer Instance = new();
    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
}
