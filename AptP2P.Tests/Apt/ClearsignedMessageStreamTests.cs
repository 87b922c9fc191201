using System.Text;
using AptP2P.Engine.Apt.Parsing;

namespace AptP2P.Tests.Apt;

public sealed class ClearsignedMessageStreamTests
{
    private static (string Text, bool Signed) Strip(string input, int bufferSize)
    {
        using var stream = new ClearsignedMessageStream(new MemoryStream(Encoding.UTF8.GetBytes(input)), bufferSize);
        using var output = new MemoryStream();
        var small = new byte[7];
        int n;
        while ((n = stream.Read(small)) > 0)
        {
            output.Write(small, 0, n);
        }

        return (Encoding.UTF8.GetString(output.ToArray()), stream.WasSigned);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(4096)]
    public void The_message_is_what_gpg_signed(int bufferSize)
    {
        // Shaped like `gpg --clearsign` output: lines starting with '-' are dash-escaped.
        string long1 = new('x', 300);
        var input = $"-----BEGIN PGP SIGNED MESSAGE-----\r\nHash: SHA256\r\n\r\nOrigin: Test\n- - dashed: line\n- -----not a header\nLong: {long1}\n-----BEGIN PGP SIGNATURE-----\n\niHUEARYIAB0WIQRNG6nh5qEaAf6kkyCu5xrUX5E/oAUCawcOjwAKCRCu5xrUX5E/\n=1jJL\n-----END PGP SIGNATURE-----\n";

        (var text, var signed) = Strip(input, bufferSize);

        Assert.Equal($"Origin: Test\n- dashed: line\n-----not a header\nLong: {long1}\n", text);
        Assert.True(signed);
    }

    [Fact]
    public void Content_after_the_signature_is_not_read()
    {
        (var text, _) = Strip("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nSuite: a\n-----BEGIN PGP SIGNATURE-----\nxx\n-----END PGP SIGNATURE-----\nSuite: injected\n", 4096);

        Assert.Equal("Suite: a\n", text);
    }

    [Fact]
    public void An_unsigned_Release_passes_through_with_its_last_line_ended()
    {
        const string input = "Origin: Debian\n- odd line\nSHA256:\n aa 1 x";

        (var text, var signed) = Strip(input, 4096);

        Assert.Equal(input + "\n", text);
        Assert.False(signed);
    }

    [Fact]
    public void Armour_headers_are_dropped_up_to_the_first_empty_line()
    {
        (var text, _) = Strip("\n-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\nHash: SHA512\n   \nSuite: b\n", 4096);

        Assert.Equal("Suite: b\n", text);
    }
}
