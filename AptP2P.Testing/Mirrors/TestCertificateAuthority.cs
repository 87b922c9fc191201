using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AptP2P.Testing.Machine;

namespace AptP2P.Testing.Mirrors;

/// <summary>What a <see cref="TestCertificateAuthority"/>'s server certificate is like.</summary>
public enum ServerCertificateKind
{
    Valid,

    /// <summary>Names <c>wrong.example</c> only, so a client connecting to 127.0.0.1 or localhost refuses it.</summary>
    WrongName,

    /// <summary>Its validity ended yesterday.</summary>
    Expired,
}

/// <summary>
/// A certificate authority of the test's own and one server certificate it signed for 127.0.0.1, ::1 and <c>localhost</c>,
/// as PEM files for nginx (<see cref="CertificatePath"/>, <see cref="KeyPath"/>) and for a client that should trust it
/// (<see cref="AuthorityPath"/>, e.g. as <c>SSL_CERT_FILE</c>). Nobody else trusts it: a client without that file sees an
/// untrusted chain, which is what a test of refused TLS needs.
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private readonly TestPaths _paths;

    private TestCertificateAuthority(TestPaths paths) => _paths = paths;

    public string AuthorityPath => _paths.PathOf("ca.pem");

    public string CertificatePath => _paths.PathOf("server.pem");

    public string KeyPath => _paths.PathOf("server.key");

    /// <param name="extraAddresses">More addresses the server certificate names, e.g. a test LAN's host address.</param>
    public static TestCertificateAuthority Create(params IPAddress[] extraAddresses) => Create(ServerCertificateKind.Valid, extraAddresses);

    /// <summary>An authority whose server certificate is valid, names only another host, or expired yesterday.</summary>
    public static TestCertificateAuthority Create(ServerCertificateKind kind, params IPAddress[] extraAddresses)
    {
        var paths = TestPaths.Create("tls");
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=AptP2P test authority", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-5), now.AddDays(2));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        if (kind == ServerCertificateKind.WrongName)
        {
            names.AddDnsName("wrong.example");
        }
        else
        {
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            names.AddIpAddress(IPAddress.IPv6Loopback);
            foreach (var address in extraAddresses)
                names.AddIpAddress(address);
        }
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var (notBefore, notAfter) = kind == ServerCertificateKind.Expired ? (now.AddDays(-3), now.AddDays(-1)) : (now.AddMinutes(-5), now.AddDays(1));
        using var server = serverRequest.Create(ca, notBefore, notAfter, RandomNumberGenerator.GetBytes(16));

        var authority = new TestCertificateAuthority(paths);
        File.WriteAllText(authority.AuthorityPath, ca.ExportCertificatePem() + "\n");
        File.WriteAllText(authority.CertificatePath, server.ExportCertificatePem() + "\n");
        File.WriteAllText(authority.KeyPath, serverKey.ExportPkcs8PrivateKeyPem() + "\n");
        return authority;
    }

    public void Dispose() => _paths.Dispose();
}
