using AptP2P.Engine.Apt;
using AptP2P.Engine.Apt.Parsing;
using static AptP2P.Tests.Apt.MetadataSamples;

namespace AptP2P.Tests.Apt;

public sealed class ReleaseTests
{
    private const string Suite = "debian/dists/bookworm";

    [Fact]
    public void Header_fields_are_read()
    {
        (var result, _) = Read($"{Suite}/Release", Release(acquireByHash: true));

        Assert.Equal(
            new ReleaseInfo(
                new DateTimeOffset(2024, 2, 10, 9, 44, 34, TimeSpan.Zero),
                new DateTimeOffset(2024, 2, 17, 9, 44, 34, TimeSpan.Zero),
                "stable",
                "bookworm",
                AcquireByHash: true),
            result.Release);
    }

    [Fact]
    public void Sha256_entries_are_listed_under_the_suite_directory_and_other_hashes_ignored()
    {
        (var result, var entries) = Read($"{Suite}/Release", Release(acquireByHash: false));

        Assert.Equal(8, entries.Count);
        Assert.Contains(new IndexedFile($"{Suite}/main/binary-amd64/Packages.xz", Hash("packages.xz"), 8786160), entries);
        Assert.Contains(new IndexedFile($"{Suite}/contrib/Contents-all", Hash("contents-all"), 1484322), entries);
        Assert.DoesNotContain(entries, e => e.Sha256.Length != 64);
        Assert.Equal(new ParseStats(1, 8, 0, 0, true, null), result.Stats);
    }

    [Fact]
    public void Acquire_by_hash_adds_the_by_hash_path_of_every_entry()
    {
        (_, var entries) = Read($"{Suite}/Release", Release(acquireByHash: true));

        Assert.Equal(16, entries.Count);
        Assert.Contains(new IndexedFile($"{Suite}/main/binary-amd64/by-hash/SHA256/{Hash("packages.xz")}", Hash("packages.xz"), 8786160), entries);
        Assert.Contains(new IndexedFile($"{Suite}/main/i18n/by-hash/SHA256/{Hash("translation")}", Hash("translation"), 354560), entries);
        Assert.Contains(new IndexedFile($"{Suite}/main/binary-amd64/Packages.xz", Hash("packages.xz"), 8786160), entries);
    }

    [Fact]
    public void Acquire_by_hash_after_the_hash_list_still_counts()
    {
        var text = Release(acquireByHash: false).Replace("Acquire-By-Hash: no\n", "", StringComparison.Ordinal) + "\nAcquire-By-Hash: yes\n";

        (var result, var entries) = Read($"{Suite}/Release", text);

        Assert.True(result.Release!.AcquireByHash);
        Assert.Equal(16, entries.Count);
    }

    [Fact]
    public void InRelease_armour_is_stripped_and_dash_escaping_undone()
    {
        var text = $"""
            -----BEGIN PGP SIGNED MESSAGE-----
            Hash: SHA512

            Origin: Debian
            - Suite: stable
            Date: Sat, 10 Feb 2024 09:44:34 UTC
            - -----a line gpg escaped
            SHA256:
             {Hash("a")}  10 main/binary-amd64/Packages.xz
             {Hash("b")}  20 main/source/Sources.xz
            -----BEGIN PGP SIGNATURE-----

            iQIzBAEBCgAdFiEEpyNohvPMyq0Uiif4DphATThvodkFAmXHSGIACgkQDphATThv
            =Tq7K
            -----END PGP SIGNATURE-----
            """;

        (var result, var entries) = Read($"{Suite}/InRelease", text);

        Assert.Equal("stable", result.Release!.Suite);
        Assert.Equal(1, result.Stats.MalformedLines);
        Assert.Equal(
            [
                new IndexedFile($"{Suite}/main/binary-amd64/Packages.xz", Hash("a"), 10),
                new IndexedFile($"{Suite}/main/source/Sources.xz", Hash("b"), 20),
            ],
            entries);
    }

    [Fact]
    public void A_Release_dated_with_an_offset_past_fourteen_hours_reads_without_the_date()
    {
        // Found by the control-file fuzzer: DateTimeOffset threw out of the reader for "+1459".
        var text = "Suite: stable\nDate: Sat, 10 Feb 2024 09:44:34 +1459\nValid-Until: Fri, 31 Dec 9998 23:59:59 -14:30\n";

        (var result, _) = Read($"{Suite}/Release", text);

        Assert.Equal(new ReleaseInfo(null, null, "stable", null, false), result.Release);
    }

    [Theory]
    [InlineData("Sat, 10 Feb 2024 09:44:34 +1400", 14)]
    [InlineData("Sat, 10 Feb 2024 09:44:34 -1400", -14)]
    public void Offsets_of_exactly_fourteen_hours_are_dates(string text, int hours)
    {
        Assert.Equal(TimeSpan.FromHours(hours), Rfc2822Date.Parse(System.Text.Encoding.ASCII.GetBytes(text))?.Offset);
    }

    [Fact]
    public void A_Release_without_dates_or_hashes_yields_an_empty_header()
    {
        (var result, var entries) = Read($"{Suite}/main/binary-amd64/Release", "Archive: stable\nOrigin: Debian\nComponent: main\nArchitecture: amd64\n");

        Assert.Equal(new ReleaseInfo(null, null, null, null, false), result.Release);
        Assert.Empty(entries);
        Assert.True(result.Stats.Completed);
    }

    [Theory]
    [InlineData("Sat, 10 Feb 2024 09:44:34 UTC", "2024-02-10T09:44:34+00:00")]
    [InlineData("Tue, 25 Nov 2025 16:29:00 +0000", "2025-11-25T16:29:00+00:00")]
    [InlineData("Thu, 1 Feb 2024 17:16:08 GMT", "2024-02-01T17:16:08+00:00")]
    [InlineData("1 Feb 2024 17:16:08 -0130", "2024-02-01T17:16:08-01:30")]
    [InlineData("Mon, 05 aug 2024 07:00 +02:00", "2024-08-05T07:00:00+02:00")]
    [InlineData("Sat, 10 Feb 2024 09:44:34 +0000 (UTC)", "2024-02-10T09:44:34+00:00")]
    public void Rfc2822_dates_are_parsed(string text, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Rfc2822Date.Parse(System.Text.Encoding.ASCII.GetBytes(text)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("Sat, 30 Feb 2024 09:44:34 UTC")]
    [InlineData("Sat, 10 Foo 2024 09:44:34 UTC")]
    [InlineData("Sat, 10 Feb 2024 25:44:34 UTC")]
    [InlineData("Sat, 10 Feb 2024 09:44:34 CEST")]
    [InlineData("Sat, 10 Feb 24 09:44:34 UTC")]
    [InlineData("2024-02-10T09:44:34Z")]
    [InlineData("Sat, 10 Feb 2024 09:44:34 +1459")]
    [InlineData("Sat, 10 Feb 2024 09:44:34 -14:01")]
    public void Unparseable_dates_are_null(string text)
    {
        Assert.Null(Rfc2822Date.Parse(System.Text.Encoding.UTF8.GetBytes(text)));
    }
}
