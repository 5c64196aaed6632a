#include "datapath/maps/v4_blacklist_layout.h"

#include <algorithm>
#include <map>
#include <random>

#include "gtest/gtest.h"

namespace sluice {
namespace {

IpPrefix P(const char* text) { return *ParseIpPrefix(text); }

// The maps as the datapath holds them, changed by plans only, and looked up
// the way lb_xdp.bpf.c does.
struct Maps {
  std::map<uint32_t, sluice_v4_top> top;
  std::map<uint32_t, sluice_v4_leaf> leaves;

  void Apply(const V4BlacklistLayout::Plan& plan) {
    for (const auto& [slot, value] : plan.top) top[slot] = value;
    for (const auto& [block, leaf] : plan.leaves) {
      if (leaf) {
        leaves[block] = *leaf;
      } else {
        ASSERT_EQ(leaves.erase(block), 1u) << "erasing a leaf that is not there: " << block;
      }
    }
    ASSERT_EQ(plan.leaves_after, leaves.size());
  }
  bool Listed(uint32_t addr) const {
    auto t = top.find(addr >> 16);
    if (t == top.end() || t->second.state == SLUICE_V4_TOP_NONE) return false;
    if (t->second.state == SLUICE_V4_TOP_ALL) return true;
    uint32_t in_slot = (addr >> 8) & 0xff;
    if (!((t->second.blocks[in_slot >> 6] >> (in_slot & 63)) & 1)) return false;
    auto l = leaves.find(addr >> 8);
    uint32_t host = addr & 0xff;
    return l != leaves.end() && ((l->second.hosts[host >> 6] >> (host & 63)) & 1);
  }
};

bool Covered(const std::set<IpPrefix>& prefixes, uint32_t addr) {
  for (const IpPrefix& p : prefixes) {
    uint32_t mask = p.length ? ~0u << (32 - p.length) : 0;
    if (p.address.is_v4() && (addr & mask) == V4HostOrder(p.address)) return true;
  }
  return false;
}

uint32_t A(const char* text) { return V4HostOrder(*ParseIpAddress(text)); }

class V4BlacklistLayoutTest : public ::testing::Test {
 protected:
  // Adds or removes `changed` and applies the plan to both the layout and
  // the model maps.
  void Change(std::vector<IpPrefix> changed, bool add) {
    for (const IpPrefix& p : changed) add ? (void)list.insert(p) : (void)list.erase(p);
    V4BlacklistLayout::Plan plan = layout.PlanChange(list, changed);
    maps.Apply(plan);
    layout.Accept(plan);
  }

  std::set<IpPrefix> list;
  V4BlacklistLayout layout;
  Maps maps;
};

TEST_F(V4BlacklistLayoutTest, AHostSetsOneBitOfItsLeaf) {
  Change({P("10.1.2.3/32")}, true);
  EXPECT_EQ(maps.top[A("10.1.0.0") >> 16].state, SLUICE_V4_TOP_LEAVES);
  ASSERT_EQ(maps.leaves.size(), 1u);
  EXPECT_TRUE(maps.Listed(A("10.1.2.3")));
  EXPECT_FALSE(maps.Listed(A("10.1.2.2")));
  EXPECT_FALSE(maps.Listed(A("10.1.2.4")));
  EXPECT_FALSE(maps.Listed(A("10.1.3.3")));
}

TEST_F(V4BlacklistLayoutTest, ShortPrefixesMarkWholeSlashSixteensWithoutLeaves) {
  Change({P("198.18.0.0/15")}, true);
  EXPECT_EQ(maps.top.size(), 2u);
  EXPECT_TRUE(maps.leaves.empty());
  EXPECT_TRUE(maps.Listed(A("198.19.255.255")));
  EXPECT_FALSE(maps.Listed(A("198.20.0.0")));
}

TEST_F(V4BlacklistLayoutTest, PrefixesBetweenSixteenAndTwentyFourFillWholeLeaves) {
  Change({P("10.0.16.0/20")}, true);
  EXPECT_EQ(maps.leaves.size(), 16u);
  EXPECT_TRUE(maps.Listed(A("10.0.31.255")));
  EXPECT_FALSE(maps.Listed(A("10.0.32.0")));
  EXPECT_FALSE(maps.Listed(A("10.0.15.255")));
}

TEST_F(V4BlacklistLayoutTest, ACoveringPrefixReplacesLeavesAndGivesThemBackWhenRemoved) {
  Change({P("10.1.2.3/32"), P("10.200.0.0/26")}, true);
  ASSERT_EQ(maps.leaves.size(), 2u);
  Change({P("10.0.0.0/8")}, true);
  EXPECT_TRUE(maps.leaves.empty());
  EXPECT_TRUE(maps.Listed(A("10.77.0.1")));
  Change({P("10.0.0.0/8")}, false);
  EXPECT_EQ(maps.leaves.size(), 2u);
  EXPECT_TRUE(maps.Listed(A("10.200.0.63")));
  EXPECT_FALSE(maps.Listed(A("10.200.0.64")));
  EXPECT_FALSE(maps.Listed(A("10.77.0.1")));
}

TEST_F(V4BlacklistLayoutTest, OverlappingPrefixesStayListedUntilTheLastGoes) {
  Change({P("192.0.2.0/24"), P("192.0.2.128/25")}, true);
  Change({P("192.0.2.0/24")}, false);
  EXPECT_TRUE(maps.Listed(A("192.0.2.200")));
  EXPECT_FALSE(maps.Listed(A("192.0.2.100")));
  Change({P("192.0.2.128/25")}, false);
  EXPECT_TRUE(maps.leaves.empty());
  EXPECT_EQ(maps.top[A("192.0.2.0") >> 16].state, SLUICE_V4_TOP_NONE);
}

TEST_F(V4BlacklistLayoutTest, SlashZeroListsEveryAddressAndIPv6IsIgnored) {
  Change({P("0.0.0.0/0"), P("2001:db8::/32")}, true);
  EXPECT_EQ(maps.top.size(), size_t{SLUICE_V4_TOP_SLOTS});
  EXPECT_TRUE(maps.Listed(0));
  EXPECT_TRUE(maps.Listed(~0u));
}

TEST_F(V4BlacklistLayoutTest, AnUnchangedEntryIsNotRewritten) {
  Change({P("10.1.2.0/24")}, true);
  list.insert(P("10.1.2.0/25"));   // inside the /24: nothing to write
  V4BlacklistLayout::Plan plan = layout.PlanChange(list, {P("10.1.2.0/25")});
  EXPECT_TRUE(plan.top.empty());
  EXPECT_TRUE(plan.leaves.empty());
}

// Random edits, checked address by address against the prefix list, and a
// replace (PlanAll) from the edited state to a fresh list.
TEST_F(V4BlacklistLayoutTest, RandomEditsMatchTheListEverywhere) {
  std::mt19937 rng(7);
  // A few /16s so that edits collide.
  const uint32_t bases[] = {A("10.0.0.0"), A("10.1.0.0"), A("172.16.0.0")};
  auto random_prefix = [&] {
    int len = std::uniform_int_distribution<int>(12, 32)(rng);
    uint32_t a = bases[rng() % 3] | (rng() & 0x1ffff);
    return IpPrefix{V4FromHostOrder(a & (~0u << (32 - len))), len};
  };
  auto check = [&] {
    for (int i = 0; i < 3000; ++i) {
      uint32_t a = bases[rng() % 3] | (rng() & 0x1ffff);
      ASSERT_EQ(maps.Listed(a), Covered(list, a)) << "address " << std::hex << a;
    }
  };
  for (int round = 0; round < 60; ++round) {
    std::vector<IpPrefix> changed;
    bool add = list.empty() || rng() % 3 != 0;
    for (int i = 0; i < 4; ++i) {
      if (add) {
        IpPrefix p = random_prefix();
        if (!list.count(p) && std::find(changed.begin(), changed.end(), p) == changed.end()) {
          changed.push_back(p);
        }
      } else if (!list.empty()) {
        auto it = list.begin();
        std::advance(it, rng() % list.size());
        if (std::find(changed.begin(), changed.end(), *it) == changed.end()) changed.push_back(*it);
      }
    }
    Change(changed, add);
    check();
  }
  std::set<IpPrefix> fresh;
  for (int i = 0; i < 40; ++i) fresh.insert(random_prefix());
  V4BlacklistLayout::Plan plan = layout.PlanAll(fresh);
  maps.Apply(plan);
  layout.Accept(plan);
  list = fresh;
  check();
}

bool SamePlans(const V4BlacklistLayout::Plan& a, const V4BlacklistLayout::Plan& b) {
  auto bytes = [](const auto& v) { return std::string(reinterpret_cast<const char*>(&v), sizeof(v)); };
  if (a.top.size() != b.top.size() || a.leaves.size() != b.leaves.size() ||
      a.leaves_after != b.leaves_after) {
    return false;
  }
  for (size_t i = 0; i < a.top.size(); ++i) {
    if (a.top[i].first != b.top[i].first || bytes(a.top[i].second) != bytes(b.top[i].second)) {
      return false;
    }
  }
  for (size_t i = 0; i < a.leaves.size(); ++i) {
    if (a.leaves[i].first != b.leaves[i].first ||
        a.leaves[i].second.has_value() != b.leaves[i].second.has_value() ||
        (a.leaves[i].second && bytes(*a.leaves[i].second) != bytes(*b.leaves[i].second))) {
      return false;
    }
  }
  return true;
}

// A restart rebuilds the mirror from the list alone: it must plan every
// later change exactly as the mirror that wrote the maps does.
TEST_F(V4BlacklistLayoutTest, ARebuiltMirrorPlansLikeTheOneThatWroteTheMaps) {
  std::mt19937 rng(11);
  auto random_prefix = [&] {
    int len = std::uniform_int_distribution<int>(8, 32)(rng);
    uint32_t a = (rng() % 2 ? A("10.0.0.0") : A("10.4.0.0")) | (rng() & 0x3ffff);
    return IpPrefix{V4FromHostOrder(len ? a & (~0u << (32 - len)) : 0), len};
  };
  for (int i = 0; i < 200; ++i) Change({random_prefix()}, true);
  Change({*list.begin(), *std::next(list.begin(), 7)}, false);
  V4BlacklistLayout rebuilt;
  rebuilt.Rebuild(list);
  EXPECT_EQ(rebuilt.leaves(), layout.leaves());
  for (int round = 0; round < 50; ++round) {
    IpPrefix p = round % 3 ? random_prefix() : *std::next(list.begin(), rng() % list.size());
    bool add = !list.count(p);
    add ? (void)list.insert(p) : (void)list.erase(p);
    V4BlacklistLayout::Plan plan = layout.PlanChange(list, {p});
    ASSERT_TRUE(SamePlans(plan, rebuilt.PlanChange(list, {p}))) << "round " << round;
    layout.Accept(plan);
    rebuilt.Accept(plan);
  }
  std::set<IpPrefix> fresh;
  for (int i = 0; i < 40; ++i) fresh.insert(random_prefix());
  EXPECT_TRUE(SamePlans(layout.PlanAll(fresh), rebuilt.PlanAll(fresh)));
}

}  // namespace
}  // namespace sluice
