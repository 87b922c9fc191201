using System.Xml;
using System.Xml.Linq;

namespace AptP2P.Engine.PortMapping;

/// <summary>A WAN connection service found in a device description: its type (the SOAP namespace) and its control URL.</summary>
public sealed record UpnpService(string ServiceType, Uri ControlUrl);

/// <summary>Reads the device description XML of an IGD, strictly: no DTD, bounded size, the control URL on the same host.</summary>
public static class UpnpDescription
{
    public const int MaxDescriptionBytes = 64 * 1024;

    /// <summary>The WAN connection service types, most capable first.</summary>
    public static readonly IReadOnlyList<string> ServiceTypes =
    [
        "urn:schemas-upnp-org:service:WANIPConnection:2",
        "urn:schemas-upnp-org:service:WANIPConnection:1",
        "urn:schemas-upnp-org:service:WANPPPConnection:1",
    ];

    public static (UpnpService? Service, string? Error) Parse(byte[] xml, Uri location)
    {
        if (Load(xml) is not { } document)
            return (null, "the device description is not well-formed XML");
        var urlBase = document.Descendants().FirstOrDefault(e => e.Name.LocalName == "URLBase")?.Value.Trim();
        var baseUri = Uri.TryCreate(urlBase, UriKind.Absolute, out var declared) ? declared : location;
        var services = document.Descendants().Where(e => e.Name.LocalName == "service")
            .Select(e => (Type: Child(e, "serviceType"), Control: Child(e, "controlURL")))
            .Where(s => s.Type is not null && s.Control is not null)
            .ToList();
        foreach (var type in ServiceTypes)
        {
            foreach (var (_, control) in services.Where(s => s.Type == type))
            {
                if (Uri.TryCreate(baseUri, control, out var url) && url.Scheme == Uri.UriSchemeHttp
                    && string.Equals(url.Host, location.Host, StringComparison.OrdinalIgnoreCase))
                {
                    return (new UpnpService(type, url), null);
                }
            }
        }
        return (null, "the device description has no WANIPConnection or WANPPPConnection service on its own host");
    }

    private static string? Child(XElement element, string name) =>
        element.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value.Trim() is { Length: > 0 } value ? value : null;

    /// <summary>Parses a bounded XML document with no DTD and no external resources; null when it is not well-formed.</summary>
    internal static XDocument? Load(byte[] xml)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = MaxDescriptionBytes * 2,
            IgnoreComments = true,
        };
        try
        {
            using var stream = new MemoryStream(xml, writable: false);
            using var reader = XmlReader.Create(stream, settings);
            return XDocument.Load(reader);
        }
        catch (XmlException)
        {
            return null;
        }
    }
}
