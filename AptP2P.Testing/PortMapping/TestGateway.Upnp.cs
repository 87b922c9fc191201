using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security;
using System.Text;
using System.Xml.Linq;
using AptP2P.Engine.PortMapping;

namespace AptP2P.Testing.PortMapping;

/// <summary>The UPnP IGD half of the gateway: an HTTP/1.1 server (one request per connection) with the description and SOAP.</summary>
public sealed partial class TestGateway
{
    private async Task HttpLoopAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var connection = await _http.AcceptTcpClientAsync(stop);
                _ = ServeAsync(connection, stop);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeAsync(TcpClient connection, CancellationToken stop)
    {
        using var _ = connection;
        try
        {
            var stream = connection.GetStream();
            var (head, body) = await ReadRequestAsync(stream, stop);
            var lines = head.Split("\r\n");
            var parts = lines[0].Split(' ');
            var remote = ((IPEndPoint)connection.Client.RemoteEndPoint!).Address;
            var (status, content) = parts switch
            {
                ["GET", DescriptionPath, ..] => (200, DescriptionXml()),
                ["POST", ControlPath, ..] => Control(body, remote),
                _ => (404, "<error>not found</error>"),
            };
            if (Behaviour == GatewayBehaviour.Garbage)
                content = content[..(content.Length / 2)] + "\u0001<<&" + Convert.ToBase64String(RandomBytes(32));
            var bytes = Encoding.UTF8.GetBytes(content);
            var reason = status == 200 ? "OK" : status == 500 ? "Internal Server Error" : "Not Found";
            var header = string.Create(CultureInfo.InvariantCulture,
                $"HTTP/1.1 {status} {reason}\r\nContent-Type: text/xml; charset=\"utf-8\"\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(Encoding.ASCII.GetBytes(header), stop);
            await stream.WriteAsync(bytes, stop);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or FormatException)
        {
        }
    }

    private static async Task<(string Head, string Body)> ReadRequestAsync(NetworkStream stream, CancellationToken stop)
    {
        var buffer = new byte[64 * 1024];
        var length = 0;
        int end;
        while ((end = IndexOfHeadEnd(buffer.AsSpan(0, length))) < 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), stop);
            if (read == 0)
                throw new IOException("closed before the head ended");
            length += read;
        }
        var head = Encoding.ASCII.GetString(buffer, 0, end);
        var contentLength = head.Split("\r\n")
            .Where(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            .Select(l => int.Parse(l[15..].Trim(), CultureInfo.InvariantCulture)).FirstOrDefault();
        var bodyStart = end + 4;
        while (length - bodyStart < contentLength)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), stop);
            if (read == 0)
                break;
            length += read;
        }
        return (head, Encoding.UTF8.GetString(buffer, bodyStart, length - bodyStart));
    }

    private static int IndexOfHeadEnd(ReadOnlySpan<byte> data) => data.IndexOf("\r\n\r\n"u8);

    private static string DescriptionXml() => $"""
        <?xml version="1.0"?>
        <root xmlns="urn:schemas-upnp-org:device-1-0">
          <specVersion><major>1</major><minor>0</minor></specVersion>
          <device>
            <deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>
            <friendlyName>AptP2P test gateway</friendlyName>
            <UDN>uuid:aptp2p-test-gateway</UDN>
            <deviceList>
              <device>
                <deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>
                <deviceList>
                  <device>
                    <deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType>
                    <serviceList>
                      <service>
                        <serviceType>{ServiceType}</serviceType>
                        <serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId>
                        <SCPDURL>/WANIPCn.xml</SCPDURL>
                        <controlURL>{ControlPath}</controlURL>
                        <eventSubURL>/evt/IPConn</eventSubURL>
                      </service>
                    </serviceList>
                  </device>
                </deviceList>
              </device>
            </deviceList>
          </device>
        </root>
        """;

    /// <summary>A SOAP action of WANIPConnection:1: the response, or a UPnPError in a SOAP fault with HTTP 500.</summary>
    private (int, string) Control(string body, IPAddress remote)
    {
        XElement? action;
        try
        {
            action = XDocument.Parse(body).Descendants().FirstOrDefault(e => e.Parent?.Name.LocalName == "Body");
        }
        catch (System.Xml.XmlException)
        {
            return Fault(402, "Invalid Args");
        }
        if (action is null)
            return Fault(401, "Invalid Action");
        string Arg(string name) => action.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
        switch (action.Name.LocalName)
        {
            case "GetExternalIPAddress":
                return Ok("GetExternalIPAddress", ("NewExternalIPAddress", ReportedAddress.ToString()));
            case "AddPortMapping":
            {
                if (!int.TryParse(Arg("NewExternalPort"), CultureInfo.InvariantCulture, out var external)
                    || !int.TryParse(Arg("NewInternalPort"), CultureInfo.InvariantCulture, out var internalPort)
                    || !int.TryParse(Arg("NewLeaseDuration"), CultureInfo.InvariantCulture, out var lease)
                    || ProtocolOf(Arg("NewProtocol")) is not { } protocol)
                {
                    return Fault(402, "Invalid Args");
                }
                // As miniupnpd's secure mode: a client maps ports to itself only.
                if (!IPAddress.TryParse(Arg("NewInternalClient"), out var client) || !client.Equals(remote))
                    return Fault(606, "Action not authorized");
                if (PermanentLeasesOnly && lease != 0)
                    return Fault(725, "OnlyPermanentLeasesSupported");
                if (Behaviour == GatewayBehaviour.OtherPort && external == internalPort)
                    return Fault(718, "ConflictInMappingEntry");
                Record("UPnP", protocol, internalPort, external, lease);
                return Ok("AddPortMapping");
            }
            case "DeletePortMapping":
            {
                if (!int.TryParse(Arg("NewExternalPort"), CultureInfo.InvariantCulture, out var external) || ProtocolOf(Arg("NewProtocol")) is not { } protocol)
                    return Fault(402, "Invalid Args");
                return RemoveUpnp(protocol, external) ? Ok("DeletePortMapping") : Fault(714, "NoSuchEntryInArray");
            }
            default:
                return Fault(401, "Invalid Action");
        }
    }

    private static MappingProtocol? ProtocolOf(string name) => name switch
    {
        "TCP" => MappingProtocol.Tcp,
        "UDP" => MappingProtocol.Udp,
        _ => null,
    };

    private static (int, string) Ok(string action, params (string Name, string Value)[] values)
    {
        var arguments = string.Concat(values.Select(v => $"<{v.Name}>{SecurityElement.Escape(v.Value)}</{v.Name}>"));
        return (200, $"""<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:{action}Response xmlns:u="{ServiceType}">{arguments}</u:{action}Response></s:Body></s:Envelope>""");
    }

    private static (int, string) Fault(int code, string description) => (500, string.Create(CultureInfo.InvariantCulture,
        $"""<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail><UPnPError xmlns="urn:schemas-upnp-org:control-1-0"><errorCode>{code}</errorCode><errorDescription>{description}</errorDescription></UPnPError></detail></s:Fault></s:Body></s:Envelope>"""));
}
