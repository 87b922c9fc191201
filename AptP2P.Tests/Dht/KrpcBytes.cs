using System.Buffers;
using AptP2P.Engine.Dht.Krpc;

namespace AptP2P.Tests.Dht;

/// <summary>Any KRPC message as the bytes the node would send, for tests that build datagrams by hand.</summary>
internal static class KrpcBytes
{
    public static byte[] Of(KrpcMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        KrpcEncoder.Write(buffer, message);
        return buffer.WrittenSpan.ToArray();
    }
}
