using System.Buffers;
using AptP2P.Engine.Dht.Krpc;

namespace AptP2P.Tests.Dht;

/// <summary>Any KRPC message as the bytes the node would send, for tests that build datagrams by hand.</summary>
internal static class KrpcBytes
{
    public static byte[] Of(KrpcMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        switch (message)
        {
            case KrpcQuery query:
                KrpcEncoder.WriteQuery(buffer, query);
                break;
            case KrpcResponse response:
                KrpcEncoder.WriteResponse(buffer, response);
                break;
            case KrpcError error:
                KrpcEncoder.WriteError(buffer, error);
                break;
            default:
                throw new ArgumentException($"{message.GetType().Name} is not a KRPC message the node sends", nameof(message));
        }
        return buffer.WrittenSpan.ToArray();
    }
}
