pragma circom 2.1.0;

// Test circuit for zkagg's snarkjs compatibility fixtures.
//
// Public inputs : a, b, c
// Private inputs: x, y
// Public outputs: h    = Mix(Mix(x + a, key b) + y, key c)   (field-element "hash", ~254 bits)
//                 prod = a * b * c * x
// Extra statements: y < 2^64 (bit decomposition) and c != 0 (has an inverse).
//
// Mix is a keyed chain of x^5 rounds with fixed round constants (the S-box shape of
// Poseidon, but NOT a secure hash: it only exists to give a few thousand constraints and
// outputs that look like random field elements). snarkjs orders the public signals as
// [h, prod, a, b, c] (outputs first, then public inputs in declaration order).

// Round constant of round i: any fixed, distinct-per-round values will do.
function roundConstant(i) {
    return (i + 1) * (i + 1) * (i + 1) * 7919 + i * 104729 + 12345;
}

// One round: out = (in + key + rc(i))^5, three multiplication constraints.
template Pow5Round(i) {
    signal input in;
    signal input key;
    signal output out;

    var t = in + key + roundConstant(i);
    signal t2 <== t * t;
    signal t4 <== t2 * t2;
    out <== t4 * t;
}

// `rounds` consecutive rounds; round constants start at index `first`.
template Mix(rounds, first) {
    signal input in;
    signal input key;
    signal output out;

    component r[rounds];
    for (var i = 0; i < rounds; i++) {
        r[i] = Pow5Round(first + i);
        r[i].in <== i == 0 ? in : r[i - 1].out;
        r[i].key <== key;
    }
    out <== r[rounds - 1].out;
}

// Little-endian bit decomposition; constrains `in` < 2^n.
template BitsLE(n) {
    signal input in;
    signal output bits[n];

    var acc = 0;
    var weight = 1;
    for (var i = 0; i < n; i++) {
        bits[i] <-- (in >> i) & 1;
        bits[i] * (bits[i] - 1) === 0;
        acc += bits[i] * weight;
        weight += weight;
    }
    acc === in;
}

template ZkaggFixture(ROUNDS, YBITS) {
    signal input a;
    signal input b;
    signal input c;
    signal input x;
    signal input y;
    signal output h;
    signal output prod;

    // y fits in YBITS bits.
    component yBits = BitsLE(YBITS);
    yBits.in <== y;

    // c is invertible (non-zero).
    signal cInv;
    cInv <-- c != 0 ? 1 / c : 0;
    c * cInv === 1;

    // Product chain.
    signal ab <== a * b;
    signal abc <== ab * c;
    prod <== abc * x;

    // Two keyed mixing blocks.
    component m1 = Mix(ROUNDS, 0);
    m1.in <== x + a;
    m1.key <== b;
    component m2 = Mix(ROUNDS, ROUNDS);
    m2.in <== m1.out + y;
    m2.key <== c;
    h <== m2.out;
}

component main {public [a, b, c]} = ZkaggFixture(300, 64);
