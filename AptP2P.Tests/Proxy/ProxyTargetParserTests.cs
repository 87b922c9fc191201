using AptP2P.Engine.Proxy;


namespace AptP2P.Tests.Proxy;

public sealed class ProxyTargetParserTests
{
    [Theory]
    [InlineData("/deb.debian.org/debian/dists/bookworm/InRelease", "deb.debian.org", 80, "debian/dists/bookworm/InRelease")]
    [InlineData("/127.0.0.1:18080/dists/stable/InRelease", "127.0.0.1", 18080, "dists/stable/InRelease")]
    [InlineData("/Deb.Debian.ORG/debian/x", "deb.debian.org", 80, "debian/x")]
    [InlineData("http://127.0.0.1:18080/dists/stable/InRelease", "127.0.0.1", 18080, "dists/stable/InRelease")]
    [InlineData("HTTP://deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb", "deb.debian.org", 80, "debian/pool/main/h/hello/hello_2.10-3_amd64.deb")]
    [InlineData("/[::1]:8080/debian/x", "[::1]", 8080, "debian/x")]
    [InlineData("/api:80/debian/x", "api", 80, "debian/x")]
    public void Url_prefix_and_absolute_targets_name_the_mirror_and_path(string raw, string host, int port, string path)
    {
        var parsed = ProxyTargetParser.Parse(raw);

        Assert.Equal(TargetProblem.None, parsed.Problem);
        Assert.Equal(host, parsed.Url!.Host);
        Assert.Equal(port, parsed.Url.Port);
        Assert.Equal(path, parsed.Url.Path);
    }

    [Theory]
    [InlineData("/HTTPS///deb.debian.org/debian/dists/bookworm/InRelease", "deb.debian.org", 443, "debian/dists/bookworm/InRelease", "https://deb.debian.org/debian/dists/bookworm/InRelease")]
    [InlineData("/https///Mirror.Example:8443/debian/x", "mirror.example", 8443, "debian/x", "https://mirror.example:8443/debian/x")]
    [InlineData("https://deb.debian.org/debian/x", "deb.debian.org", 443, "debian/x", "https://deb.debian.org/debian/x")]
    [InlineData("/HTTPS///[::1]:8443/x", "[::1]", 8443, "x", "https://[::1]:8443/x")]
    public void Https_mirrors_in_apt_cacher_ng_form_or_as_absolute_urls_are_fetched_over_tls(string raw, string host, int port, string path, string upstream)
    {
        var url = ProxyTargetParser.Parse(raw).Url!;

        Assert.True(url.Secure);
        Assert.Equal((host, port, path), (url.Host, url.Port, url.Path));
        Assert.Equal(upstream, url.ToUpstreamUri().AbsoluteUri);
    }

    [Fact]
    public void A_hosts_http_and_https_archives_have_different_keys()
    {
        var plain = ProxyTargetParser.Parse("/deb.debian.org/debian/x").Url!;
        var secure = ProxyTargetParser.Parse("/HTTPS///deb.debian.org/debian/x").Url!;

        Assert.Equal("deb.debian.org/debian/x", plain.Key);
        Assert.Equal("https://deb.debian.org/debian/x", secure.Key);
        Assert.Equal("https://deb.debian.org", secure.Authority);
        Assert.Equal("deb.debian.org:443/debian/x", ProxyTargetParser.Parse("/deb.debian.org:443/debian/x").Url!.Key);
    }

    [Fact]
    public void Percent_encoding_is_decoded_exactly_once()
    {
        var parsed = ProxyTargetParser.Parse("/h.example/pool/main/f/figlet/figlet_2.2.5-3%2bb1_amd64.deb");
        Assert.Equal("pool/main/f/figlet/figlet_2.2.5-3+b1_amd64.deb", parsed.Url!.Path);

        var doubly = ProxyTargetParser.Parse("/h.example/pool/fortune-mod_1%253a1.99_amd64.deb");
        Assert.Equal("pool/fortune-mod_1%3a1.99_amd64.deb", doubly.Url!.Path);
    }

    [Fact]
    public void Upper_and_lower_case_encodings_give_the_same_key()
    {
        var lower = ProxyTargetParser.Parse("/h.example/a%7eb%2bc").Url!;
        var upper = ProxyTargetParser.Parse("/H.EXAMPLE/a%7Eb%2Bc").Url!;
        Assert.Equal(lower.Key, upper.Key);
        Assert.Equal("h.example/a~b+c", lower.Key);
    }

    [Fact]
    public void Upstream_url_is_encoded_the_way_apt_encodes()
    {
        var url = ProxyTargetParser.Parse("/h.example:8080/pool/figlet_2.2.5-3%2bb1_amd64.deb").Url!;
        Assert.Equal("http://h.example:8080/pool/figlet_2.2.5-3%2bb1_amd64.deb", url.ToUpstreamUri().AbsoluteUri);
    }

    [Fact]
    public void Literal_dot_segment_of_a_flat_repository_is_dropped()
    {
        var parsed = ProxyTargetParser.Parse("/127.0.0.1:18080/flat/./Packages");
        Assert.Equal("flat/Packages", parsed.Url!.Path);
    }

    [Theory]
    [InlineData("/127.0.0.1:18080/../../../../etc/passwd")]
    [InlineData("/127.0.0.1:18080/dists/%2e%2e/%2e%2e/etc/passwd")]
    [InlineData("/127.0.0.1:18080/dists/..%2f..%2fetc/passwd")]
    [InlineData("/127.0.0.1:18080/dists/%2E%2E/x")]
    [InlineData("/127.0.0.1:18080/dists/%2e/x")]
    [InlineData("/127.0.0.1:18080/dists/stable/..")]
    [InlineData("/127.0.0.1:18080/pool%2fmain/x.deb")]
    [InlineData("/127.0.0.1:18080/pool%2Fmain/x.deb")]
    [InlineData("/127.0.0.1:18080/pool%5cmain/x.deb")]
    [InlineData("/127.0.0.1:18080/pool/x%00.deb")]
    [InlineData("/127.0.0.1:18080/pool/x%0d%0aSet-Cookie:%20a.deb")]
    [InlineData("/127.0.0.1:18080/pool/x%7f.deb")]
    [InlineData("/127.0.0.1:18080/pool/x\u0001.deb")]
    [InlineData("/127.0.0.1:18080/pool/x y.deb")]
    [InlineData("/127.0.0.1:18080/pool\\main/x.deb")]
    [InlineData("/127.0.0.1:18080/pool/x%zz.deb")]
    [InlineData("/127.0.0.1:18080/pool/x%2")]
    [InlineData("/127.0.0.1:18080/pool/%ff%fe.deb")]
    [InlineData("/127.0.0.1:18080/pool//x.deb")]
    [InlineData("/127.0.0.1:18080/dists/stable/InRelease?x=1")]
    [InlineData("//dists/stable/InRelease")]
    [InlineData("/:80/dists/stable/InRelease")]
    [InlineData("/user@evil.example/dists/stable/InRelease")]
    [InlineData("/evil.example:0/x")]
    [InlineData("/evil.example:65536/x")]
    [InlineData("/evil.example:12ab/x")]
    [InlineData("/evil..example/x")]
    [InlineData("/evil_example/x")]
    [InlineData("/%65vil.example/x")]
    [InlineData("/[::1/x")]
    [InlineData("/[not-an-ip]/x")]
    [InlineData("/deb.debian.org")]
    [InlineData("/deb.debian.org/")]
    [InlineData("/HTTPS///deb.debian.org")]
    [InlineData("/HTTPS///user@deb.debian.org/x")]
    [InlineData("/HTTPS///deb.debian.org/../x")]
    [InlineData("/HTTPS//deb.debian.org/x")]
    [InlineData("ftp://deb.debian.org/debian/x")]
    [InlineData("deb.debian.org:443")]
    [InlineData("*")]
    public void Hostile_or_malformed_targets_are_refused_with_a_reason(string raw)
    {
        var parsed = ProxyTargetParser.Parse(raw);

        Assert.Null(parsed.Url);
        Assert.Equal(TargetProblem.Malformed, parsed.Problem);
        Assert.False(string.IsNullOrWhiteSpace(parsed.Reason));
    }

    [Fact]
    public void Over_long_targets_are_refused_as_too_long()
    {
        var parsed = ProxyTargetParser.Parse("/h.example/" + new string('a', ProxyTargetParser.MaxTargetLength));
        Assert.Equal(TargetProblem.TooLong, parsed.Problem);
    }

    [Fact]
    public void Non_ascii_file_names_are_kept_as_utf8()
    {
        var parsed = ProxyTargetParser.Parse("/h.example/pool/caf%c3%a9.deb");
        Assert.Equal("pool/café.deb", parsed.Url!.Path);
        Assert.Equal("http://h.example/pool/caf%c3%a9.deb", parsed.Url.ToUpstreamUri().OriginalString);
    }
}
