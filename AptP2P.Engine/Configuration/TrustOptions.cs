namespace AptP2P.Engine.Configuration;

/// <summary><c>AptP2P:Trust</c>: whose signatures make an archive's hashes worth learning and vouching for to peers.</summary>
public sealed class TrustOptions
{
    /// <summary>apt's own places for archive keys; a list given in configuration replaces it.</summary>
    public static readonly string[] DefaultKeyrings = ["/etc/apt/trusted.gpg", "/etc/apt/trusted.gpg.d", "/etc/apt/keyrings", "/usr/share/keyrings"];

    /// <summary>
    /// Contract: OpenPGP keyring files (<c>.gpg</c> binary or <c>.asc</c> armored) and directories of them. Empty (the default)
    /// means <see cref="DefaultKeyrings"/>.
    /// </summary>
    public string[] Keyrings { get; set; } = [];

    /// <summary>
    /// Contract: fetch files of archives whose Release is <c>unknown-key</c> or <c>unsigned</c> from peers and announce them, as
    /// for verified ones. Off by default: the node vouches only for what an archive's key signed.
    /// </summary>
    public bool ShareUnverified { get; set; }

    /// <summary>The verifier to run; empty means Debian's <c>gpgv</c> from <c>/usr/bin</c> or <c>/bin</c>.</summary>
    public string Gpgv { get; set; } = "";

    /// <summary>Upper bound for one <c>gpgv</c> run; past it the archive counts as <c>unsigned</c> for now.</summary>
    public int VerifyTimeoutSeconds { get; set; } = 10;

    /// <summary>The keyrings in effect: the configured list, or apt's own places when none is configured.</summary>
    public IReadOnlyList<string> EffectiveKeyrings => ConfigurationList.Split(Keyrings) is { Length: > 0 } listed ? listed : DefaultKeyrings;
}
