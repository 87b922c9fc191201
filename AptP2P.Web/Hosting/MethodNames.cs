namespace AptP2P.Web.Hosting;

/// <summary>
/// RFC 9110 §9.1: method names are case-sensitive, so <c>get</c> is an unknown method, not GET. ASP.NET's
/// <see cref="HttpMethods"/> and routing compare them ignoring case; the node's doors check with this first.
/// </summary>
internal static class MethodNames
{
    /// <summary>True for a spelling of a standard method in another case (<c>get</c>, <c>Head</c>), which routing would take for it.</summary>
    public static bool IsMiscased(string method) =>
        !string.Equals(HttpMethods.GetCanonicalizedValue(method), method, StringComparison.Ordinal);
}
