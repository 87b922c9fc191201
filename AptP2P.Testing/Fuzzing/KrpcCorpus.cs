using System.Buffers;
using System.Net;
using System.Text;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Items;
using AptP2P.Engine.Dht.Krpc;

namespace AptP2P.Testing.Fuzzing;

/// <summary>
/// Hostile KRPC datagrams for the DHT fuzz test and the fuzz benchmark: valid messages of every kind as seeds, and a
/// mutator that damages them the ways a broken or malicious peer would (bit flips, bencode tokens in the wrong place,
/// truncation, deep nesting, huge length claims, random bytes).
/// </summary>
public static class KrpcCorpus
{
    // Bencode's own tokens: replacing or inserting them makes structurally confusing input rather than plain noise.
    private static ReadOnlySpan<byte> Alphabet => "ilde0123456789:-"u8;

    /// <summary>Valid messages of every kind, the seeds of the mutations; the same list on every call.</summary>
    public static IReadOnlyList<byte[]> Corpus()
    {
        var random = new Random(99);
        var id = NodeId.Random(random);
        var target = NodeId.Random(random);
        byte[] tid = [1, 2];
        var nodes = Enumerable.Range(0, 8).Select(i => new NodeContact(NodeId.Random(random), new IPEndPoint(IPAddress.Parse($"10.0.0.{i + 1}"), 6881))).ToList();
        var item = MutableItem.Create(new byte[32], "salt"u8, 3, "d1:ai1ee"u8);
        return
        [
            Encode(new KrpcQuery(tid, KrpcMethod.Ping, id)),
            Encode(new KrpcQuery(tid, KrpcMethod.FindNode, id) { Target = target }),
            Encode(new KrpcQuery(tid, KrpcMethod.GetPeers, id) { Target = target, ReadOnly = true }),
            Encode(new KrpcQuery(tid, KrpcMethod.AnnouncePeer, id) { Target = target, Port = 9977, Token = [1, 2, 3, 4, 5, 6, 7, 8] }),
            Encode(new KrpcQuery(tid, KrpcMethod.Get, id) { Target = target, Seq = 2 }),
            Encode(new KrpcQuery(tid, KrpcMethod.Put, id) { Token = [1, 2], Put = new(item.Value, item.Key, item.Signature, item.Salt, item.Seq, 2) }),
            Encode(new KrpcQuery(tid, KrpcMethod.Put, id) { Token = [1, 2], Put = new("5:hello"u8.ToArray(), null, null, [], 0, null) }),
            Encode(new KrpcResponse(tid, id) { Nodes = nodes, Values = [new IPEndPoint(IPAddress.Loopback, 1)], Token = [1], RequesterAddress = new IPEndPoint(IPAddress.Loopback, 2) }),
            Encode(new KrpcResponse(tid, id) { Value = item.Value, Key = item.Key, Signature = item.Signature, Seq = 3 }),
            Encode(new KrpcError(tid, 201, "A Generic Error Ocurred")),
            "d1:ad2:id20:abcdefghij0123456789e1:q4:vote1:t2:aa1:y1:qe"u8.ToArray(),
        ];
    }

    /// <summary>One to four mutations of <paramref name="seed"/> (which is not changed); now and then pure noise.</summary>
    /// <returns>A datagram of 1 to 64,999 bytes, small enough to send over UDP.</returns>
    public static byte[] Mutate(byte[] seed, Random random)
    {
        ArgumentNullException.ThrowIfNull(seed);
        ArgumentNullException.ThrowIfNull(random);
        var data = new List<byte>(seed);
        var rounds = 1 + random.Next(4);
        for (var r = 0; r < rounds; r++)
        {
            switch (random.Next(9))
            {
                case 0 when data.Count > 0:
                    data[random.Next(data.Count)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[random.Next(data.Count)] = Alphabet[random.Next(Alphabet.Length)];
                    break;
                case 2 when data.Count > 1:
                    var at = random.Next(data.Count);
                    data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(8)));
                    break;
                case 3:
                    data.Insert(random.Next(data.Count + 1), Alphabet[random.Next(Alphabet.Length)]);
                    break;
                case 4 when data.Count > 0:
                    var keep = random.Next(data.Count);
                    data.RemoveRange(keep, data.Count - keep);
                    break;
                case 5:
                    // Deep nesting or a huge length claim.
                    var fragment = random.Next(2) == 0 ? new string('l', random.Next(1, 200)) : "99999999999:";
                    data.InsertRange(random.Next(data.Count + 1), Encoding.ASCII.GetBytes(fragment));
                    break;
                case 6:
                    var bytes = new byte[random.Next(1, 64)];
                    random.NextBytes(bytes);
                    data.InsertRange(random.Next(data.Count + 1), bytes);
                    break;
                case 7 when data.Count > 4:
                    var start = random.Next(data.Count - 2);
                    var length = random.Next(1, Math.Min(32, data.Count - start));
                    data.InsertRange(random.Next(data.Count + 1), data.GetRange(start, length));
                    break;
                default:
                    // Leave it valid now and then: valid traffic must keep working amid the junk.
                    break;
            }
        }
        if (random.Next(50) == 0)
        {
            var noise = new byte[random.Next(1, 1400)];
            random.NextBytes(noise);
            return noise;
        }
        return data.Count > 0 && data.Count < 65_000 ? [.. data] : [(byte)'d'];
    }

    private static byte[] Encode(KrpcMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        KrpcEncoder.Write(buffer, message);
        return buffer.WrittenSpan.ToArray();
    }
}
