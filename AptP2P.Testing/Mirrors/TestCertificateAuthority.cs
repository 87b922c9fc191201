using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AptP2P.Testing.Machine;

namespace AptP2P.Testing.Mirrors;

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
    public static TestCertificateAuthority Create(params IPAddress[] extraAddresses)
    {
        var paths = TestPaths.Create("tls");
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=AptP2P test authority", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        foreach (var address in extraAddresses)
            names.AddIpAddress(address);
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var server = serverRequest.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));

        var authority = new TestCertificateAuthority(paths);
        File.WriteAllText(authority.AuthorityPath, ca.ExportCertificatePem() + "\n");
        File.WriteAllText(authority.CertificatePath, server.ExportCertificatePem() + "\n");
        File.WriteAllText(authority.KeyPath, serverKey.ExportPkcs8PrivateKeyPem() + "\n");
        return authority;
    }

    public void Dispose() => _paths.Dispose();
}
