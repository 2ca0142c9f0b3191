#!/usr/bin/perl
# mkcachedb.pl: write a random but reproducible MaxMind DB for the lookup cache tests.
#
# Usage: mkcachedb.pl --seed N --ip-version 4|6 OUT.mmdb
#
# Thousands of networks of every prefix length (IPv4 /1 to /32, IPv6 /8 to
# /128, most between /8 and /24 and between /24 and /64) at random places,
# with wide empty space between them, and about 2,000 distinct records, so a
# reader's per-thread caches fill, evict and reuse their slots. Some records
# are empty. The same seed gives the same IPv4 networks in both IP versions:
# the IPv6 tree holds them under ::/96 with MaxMind's aliases (::ffff:0:0/96,
# 2001::/32, 2002::/16), the IPv4 tree has only them.
use strict;
use warnings;

use Getopt::Long qw(GetOptions);
use MaxMind::DB::Writer::Tree;
use Socket qw(AF_INET AF_INET6 inet_ntop);

my ($seed, $ip_version);
GetOptions('seed=i' => \$seed, 'ip-version=i' => \$ip_version)
    or usage();
usage() unless defined $seed && defined $ip_version && @ARGV == 1;
usage() unless $ip_version == 4 || $ip_version == 6;
my ($out_file) = @ARGV;

use constant NETS4   => 3000;
use constant NETS6   => 1500;
use constant RECORDS => 2000;

# Perl's rand is its own drand48: the same seed gives the same database
# on every platform.
srand($seed);

my @countries = qw(GB FR DE US JP BR AU ZA IN CA);

# A record: a country, a numbered city, and coordinates, or nothing at all.
sub record {
    my $n = int(rand(RECORDS));
    return {} if $n % 50 == 0;
    return {
        country  => { iso_code => $countries[ $n % @countries ] },
        city     => { names    => { en => "City$n" } },
        location => {
            latitude  => ($n % 180) - 89.5,
            longitude => ($n % 360) - 179.5,
        },
    };
}

# A prefix length: mostly the common sizes, some very wide and some very narrow.
sub prefix_len {
    my ($width) = @_;
    my $r = rand();
    if ($width == 32) {
        return 1 + int(rand(7)) if $r < 0.05;
        return 25 + int(rand(8)) if $r < 0.25;
        return 8 + int(rand(17));
    }
    return 65 + int(rand(64)) if $r < 0.15;
    return 8 + int(rand(16)) if $r < 0.25;
    return 24 + int(rand(41));
}

# Random address bytes cut to bits.
sub random_net {
    my ($bytes, $bits) = @_;
    my @b = map { int(rand(256)) } 1 .. $bytes;
    for my $i (0 .. $bytes * 8 - 1) {
        next if $i < $bits;
        $b[ $i >> 3 ] &= ~(0x80 >> ($i & 7)) & 0xff;
    }
    return @b;
}

my @nets;
for (1 .. NETS4) {
    my $bits = prefix_len(32);
    my @b = random_net(4, $bits);
    push @nets, { cidr => inet_ntop(AF_INET, pack('C4', @b)) . "/$bits", order => $bits,
                  data => record() };
}
# After the IPv4 networks, so that both versions draw the same ones.
for (1 .. ($ip_version == 6 ? NETS6 : 0)) {
    my $bits = prefix_len(128);
    my @b = random_net(16, $bits);
    # Global unicast (2000::/3), or unique local (fc00::/7) for one in ten.
    if (rand() < 0.1) {
        $b[0] = 0xfc | ($b[0] & 0x01);
    } else {
        $b[0] = 0x20 | ($b[0] & 0x1f);
    }
    my $hi16 = $b[0] << 8 | $b[1];
    my $data = record();
    # Networks inside the aliased ranges cannot be written.
    next if $hi16 == 0x2002 && $bits >= 16;
    next if $hi16 == 0x2001 && $b[2] == 0 && $b[3] == 0 && $bits >= 32;
    push @nets, { cidr => inet_ntop(AF_INET6, pack('C16', @b)) . "/$bits", order => $bits + 1000,
                  data => $data };
}

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => $ip_version,
    record_size              => 28,
    database_type            => "Test-Cache-IPv$ip_version",
    languages                => ['en'],
    description              => { en => "gslbd lookup cache test (seed $seed)" },
    remove_reserved_networks => 0,
    alias_ipv6_to_ipv4       => $ip_version == 6 ? 1 : 0,
    # Least specific first, and each insert overwriting what it covers: every
    # network keeps its own record, split around the networks inside it.
    merge_strategy        => 'none',
    map_key_type_callback => sub {
        my %t = (
            country  => 'map', iso_code => 'utf8_string', city      => 'map',
            names    => 'map', en       => 'utf8_string', location  => 'map',
            latitude => 'double', longitude => 'double',
        );
        return $t{ $_[0] } // die "mkcachedb: no type for key '$_[0]'\n";
    },
);
for my $n (sort { $a->{order} <=> $b->{order} } @nets) {
    $tree->insert_network($n->{cidr}, $n->{data});
}

my $tmp = "$out_file.tmp.$$";
open my $fh, '>:raw', $tmp or die "mkcachedb: cannot write '$tmp' ($!)\n";
$tree->write_tree($fh);
close $fh or die "mkcachedb: cannot write '$tmp' ($!)\n";
rename $tmp, $out_file or die "mkcachedb: cannot rename '$tmp' to '$out_file' ($!)\n";
exit 0;

sub usage {
    die "usage: mkcachedb.pl --seed N --ip-version 4|6 OUT.mmdb\n";
}
