using AptP2P.Engine.Apt.Trust;
using AptP2P.Tests.Fixtures;

namespace AptP2P.Tests.Apt;

/// <summary>How gpgv's status lines become a trust state, and armored keyrings become what gpgv reads.</summary>
[Collection(MirrorCollection.Name)]
public sealed class SignatureVerifierTests(MirrorFixture fixture)
{
    private const string Fingerprint = "0F0895B8461470163214939B95F5142FD9834EDD";

    [Theory]
    [InlineData(0, $"[GNUPG:] NEWSIG\n[GNUPG:] GOODSIG 95F5142FD9834EDD Test\n[GNUPG:] VALIDSIG {Fingerprint} 2026-12-02 1796220860 0 4 0 22 8 01 {Fingerprint}\n", ArchiveTrust.Verified)]
    [InlineData(1, "[GNUPG:] NEWSIG\n[GNUPG:] BADSIG 95F5142FD9834EDD Test\n", ArchiveTrust.Bad)]
    [InlineData(2, "[GNUPG:] NEWSIG\n[GNUPG:] ERRSIG 95F5142FD9834EDD 22 8 01 1796220860 9 x\n[GNUPG:] NO_PUBKEY 95F5142FD9834EDD\n", ArchiveTrust.UnknownKey)]
    [InlineData(2, "[GNUPG:] NODATA 1\n[GNUPG:] NODATA 2\n", ArchiveTrust.NoSignature)]
    [InlineData(0, "[GNUPG:] NEWSIG\n[GNUPG:] EXPKEYSIG 95F5142FD9834EDD Test\n", ArchiveTrust.Bad)]
    [InlineData(0, "[GNUPG:] NEWSIG\n[GNUPG:] REVKEYSIG 95F5142FD9834EDD Test\n", ArchiveTrust.Bad)]
    [InlineData(2, "garbage\n", ArchiveTrust.NoSignature)]
    [InlineData(2, "[GNUPG:] NEWSIG\n[GNUPG:] FAILURE gpg-exit 33554433\n", ArchiveTrust.Bad)]
    public void Status_lines_give_the_trust_state(int exit, string status, ArchiveTrust expected)
    {
        var check = SignatureVerifier.Interpret(exit, status, keyringCount: 1);

        Assert.Equal(expected, check.Trust);
        Assert.Equal(expected == ArchiveTrust.Verified ? Fingerprint : null, check.Fingerprint);
        Assert.Equal(expected == ArchiveTrust.Verified, check.Reason is null);
    }

    [Fact]
    public void An_armored_keyring_dearmors_to_the_binary_keyring_and_garbage_to_nothing()
    {
        var binary = File.ReadAllBytes(fixture.Repository.KeyringPath);
        var base64 = Convert.ToBase64String(binary);
        var lines = Enumerable.Range(0, (base64.Length + 63) / 64).Select(i => base64.Substring(i * 64, Math.Min(64, base64.Length - i * 64)));
        var armored = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nComment: test\n\n" + string.Join("\n", lines) + "\n=abcd\n-----END PGP PUBLIC KEY BLOCK-----\n";

        Assert.Equal(binary, SignatureVerifier.Dearmor(armored));
        Assert.Equal(binary, SignatureVerifier.Dearmor(armored.Replace("\n", "\r\n", StringComparison.Ordinal)));
        Assert.Null(SignatureVerifier.Dearmor("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!not base64!!!\n-----END PGP PUBLIC KEY BLOCK-----\n"));
        Assert.Null(SignatureVerifier.Dearmor("no armor at all"));
    }
}
