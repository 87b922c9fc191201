using System.Net;
using Microsoft.Extensions.Primitives;

namespace AptP2P.Web.Access;

/// <summary>
/// Guards the node's own doors (dashboard, <c>/hubs</c>, <c>/api</c>, <c>/openapi</c>, the settings form and their assets):
/// <list type="bullet">
/// <item>only clients in <c>AptP2P:AllowedClients</c> (403 for everyone else; the peer protocol under <c>/~/</c> stays open);</item>
/// <item>only under a host name that cannot be rebound by someone else's DNS: an IP address, <c>localhost</c>, or this machine's name;</item>
/// <item>no cross-site request forgery: state-changing requests (POST, PUT, PATCH, DELETE) and the browser's live connections
/// (<c>/_blazor</c>, which carries the settings form, and <c>/hubs</c>) are refused when the browser says they come from
/// another origin (<c>Origin</c> differs from the request's own, or <c>Sec-Fetch-Site</c> is not <c>same-origin</c>).
/// Scripts and command-line clients send neither header and are not affected.</item>
/// </list>
/// Installed once by the host, before routing, so that no endpoint of these doors decides access by itself. The apt proxy
/// never gets here: it is dispatched before, with its own access check.
/// </summary>
public sealed class AdminAccessMiddleware(RequestDelegate next, ClientAccess access)
{
    private readonly string _machineName = Dns.GetHostName().Split('.')[0];

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/~"))
        {
            await next(context);
            return;
        }
        var refusal = Check(context);
        if (refusal is null)
        {
            await next(context);
            return;
        }
        await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: refusal).ExecuteAsync(context);
    }

    private string? Check(HttpContext context)
    {
        if (!access.IsAllowed(context.Connection.RemoteIpAddress))
            return "This address may not use the dashboard, API or settings of this node (AptP2P:AllowedClients).";
        if (!IsTrustedHost(context.Request.Host.Host))
            return $"Use the node by IP address, as localhost or as {_machineName}: other host names could be rebound to it by anyone's DNS.";
        if (NeedsSameOrigin(context.Request) && IsCrossSite(context.Request))
            return "Cross-site requests may not change settings or open live connections (cross-site request forgery).";
        return null;
    }

    private bool IsTrustedHost(string host)
    {
        if (string.IsNullOrEmpty(host) || IPAddress.TryParse(host.Trim('[', ']'), out _))
            return true;
        var name = host.TrimEnd('.');
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || name.Split('.')[0].Equals(_machineName, StringComparison.OrdinalIgnoreCase);
    }

    private static bool NeedsSameOrigin(HttpRequest request) =>
        !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
        || request.Path.StartsWithSegments("/_blazor")
        || request.Path.StartsWithSegments("/hubs");

    /// <summary>What a browser tells about where a request comes from; non-browser clients send neither header.</summary>
    internal static bool IsCrossSite(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"];
        if (!StringValues.IsNullOrEmpty(site) && site != "same-origin" && site != "none")
            return true;
        var origin = request.Headers.Origin;
        if (StringValues.IsNullOrEmpty(origin))
            return false;
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri))
            return true;
        var port = request.Host.Port ?? (request.IsHttps ? 443 : 80);
        return !string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(uri.Host.Trim('[', ']'), request.Host.Host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase)
            || uri.Port != port;
    }
}
