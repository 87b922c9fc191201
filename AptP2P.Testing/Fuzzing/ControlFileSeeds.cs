using System.Security.Cryptography;
using System.Text;

namespace AptP2P.Testing.Fuzzing;

/// <summary>Valid control files shaped like Debian's, with the fields the parsers read and the many they skip.</summary>
internal static class ControlFileSeeds
{
    public static IReadOnlyList<byte[]> Of(ControlFileKind kind) => kind switch
    {
        ControlFileKind.Packages => [Utf8(string.Concat(Enumerable.Range(0, 4).Select(PackagesStanza))), Utf8(PackagesStanza(7))],
        ControlFileKind.Sources => [Utf8(string.Concat(Enumerable.Range(0, 3).Select(SourcesStanza))), Utf8(SourcesStanza(5))],
        _ => [Utf8(Release()), Utf8(InRelease())],
    };

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\n"));

    private static string Hash(string label) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(label)));

    private static string PackagesStanza(int i) => $"""
        Package: pkg{i}
        Version: 1.{i}-2
        Installed-Size: 280
        Maintainer: Santiago Vila <sanvila@debian.org>
        Architecture: amd64
        Depends: libc6 (>= 2.34), libfoo{i} (>= 1.0) | libbar
        Description: example package {i}
         A longer description that continues
         .
         over several lines.
        Description-md5: 6b4ec5a48c3dd2e7e8e8d8d3a3d4a1d4
        Section: devel
        Priority: optional
        Filename: pool/main/p/pkg{i}/pkg{i}_1.{i}-2_amd64.deb
        Size: {1000 + (i * 7919)}
        MD5sum: 4ef2a1b0a3c1ef5ac3a8bfa5e6e8c2b1
        SHA256: {Hash($"pkg{i}")}


        """;

    private static string SourcesStanza(int i) => $"""
        Package: src{i}
        Binary: src{i}, src{i}-doc
        Version: 2.{i}-3
        Maintainer: Santiago Vila <sanvila@debian.org>
        Build-Depends: debhelper-compat (= 13)
        Architecture: any
        Format: 3.0 (quilt)
        Files:
         5b5b1f8d0b1fd3d0e5f3e0b7e0e6ad2e 1847 src{i}_2.{i}-3.dsc
         6cd0ffea3884a4e79330338dcc2987d6 725946 src{i}_2.{i}.orig.tar.gz
         8a1f1f3e9b0b2ae4f6c2d1c7f1a2b3c4 12288 src{i}_2.{i}-3.debian.tar.xz
        Checksums-Sha256:
         {Hash($"dsc{i}")} 1847 src{i}_2.{i}-3.dsc
         {Hash($"orig{i}")}   725946 src{i}_2.{i}.orig.tar.gz
         {Hash($"debian{i}")} 12288 src{i}_2.{i}-3.debian.tar.xz
        Directory: pool/main/s/src{i}
        Priority: source
        Section: devel


        """;

    private static string Release() => $"""
        Origin: Debian
        Label: Debian
        Suite: stable
        Version: 12.5
        Codename: bookworm
        Date: Sat, 10 Feb 2024 09:44:34 UTC
        Valid-Until: Sat, 17 Feb 2024 09:44:34 +0000
        Acquire-By-Hash: yes
        No-Support-for-Architecture-all: Packages
        Architectures: all amd64 arm64
        Components: main contrib
        Description: Debian 12.5 Released 10 February 2024
        MD5Sum:
         0ed6d4c8891eb86358b94bb35d9e4da4  1484322 contrib/Contents-all
         d0a0325a97c42fd5f66a8c3e29bcea64    98581 contrib/Contents-all.gz
        SHA256:
         {Hash("contents")}  1484322 contrib/Contents-all
         {Hash("contents.gz")}    98581 contrib/Contents-all.gz
         {Hash("packages")} 45632123 main/binary-amd64/Packages
         {Hash("packages.xz")}  8794432 main/binary-amd64/Packages.xz
         {Hash("sources.xz")}  9612345 main/source/Sources.xz
         {Hash("release")}      113 main/binary-amd64/Release
         {Hash("index")}    21430 main/binary-amd64/Packages.diff/Index

        """;

    private static string InRelease() => $"""
        -----BEGIN PGP SIGNED MESSAGE-----
        Hash: SHA512

        {Release().TrimEnd()}
        - -dash-escaped: line
        -----BEGIN PGP SIGNATURE-----

        iQIzBAEBCgAdFiEEpyNohvPMyq0Uiif4DphATThvodkFAmXHQ0EACgkQDphATThv
        odnTrw/+IGmdUh7p0SXl3ZbCRAW8EdVSHWwWRWhCnEwyPiwzeP6aYPiKoiYwLlR0
        =Xqzj
        -----END PGP SIGNATURE-----

        """;
}
