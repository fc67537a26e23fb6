// Resolvers of the benchmark's subgraphs over fixed data: the four subgraphs of the public
// graphql-gateways-benchmark workload, and fakes of our own three services (students, lessons,
// analytics) that serve the real services' SDL from fixed data instead of DynamoDB.

const byKey = (items, key) => new Map(items.map((item) => [item[key], item]));

function accounts(data) {
  const users = byKey(data.users, "id");
  return {
    Query: {
      viewer: () => data.users[0],
      user: (_, { id }) => users.get(id) ?? null,
      users: () => data.users,
    },
    User: { __resolveReference: (ref) => users.get(ref.id) ?? null },
  };
}

function inventory(data) {
  const products = byKey(data.products, "upc");
  return {
    Product: {
      __resolveReference: (ref) => ({ ...ref, inStock: products.get(ref.upc)?.inStock ?? false }),
      // Free shipping above 100; otherwise priced by weight (uses the @requires fields).
      shippingEstimate: (product) =>
        product.price > 100 ? 0 : Math.ceil(product.weight / 100),
    },
  };
}

function products(data) {
  const index = byKey(data.products, "upc");
  return {
    Query: { topProducts: (_, { first }) => data.products.slice(0, first) },
    Product: { __resolveReference: (ref) => index.get(ref.upc) ?? null },
  };
}

function reviews(data) {
  const reviewIndex = byKey(data.reviews, "id");
  const usernames = new Map(data.users.map((user) => [user.id, user.username]));
  return {
    Review: {
      __resolveReference: (ref) => reviewIndex.get(ref.id) ?? null,
      author: (review) => ({ id: review.authorId, username: usernames.get(review.authorId) }),
      product: (review) => ({ upc: review.productUpc }),
    },
    User: {
      __resolveReference: (ref) => ref,
      reviews: (user) => data.reviews.filter((review) => review.authorId === user.id),
    },
    Product: {
      __resolveReference: (ref) => ref,
      reviews: (product) => data.reviews.filter((review) => review.productUpc === product.upc),
    },
  };
}

function students(data) {
  const index = byKey(data.students, "id");
  return {
    Query: {
      student: (_, { id }) => index.get(id) ?? null,
      students: (_, { first }) => ({ items: data.students.slice(0, first), nextCursor: null }),
    },
    Student: { __resolveReference: (ref) => index.get(ref.id) ?? null },
  };
}

function lessons(data) {
  const index = byKey(data.lessons, "id");
  return {
    Query: {
      lesson: (_, { id }) => index.get(id) ?? null,
      lessons: (_, { language }) =>
        data.lessons.filter((lesson) => !language || lesson.languages.includes(language)),
    },
    Lesson: { __resolveReference: (ref) => index.get(ref.id) ?? null },
    Student: {
      __resolveReference: (ref) => ref,
      completions: (student) =>
        data.completions
          .filter((completion) => completion.studentId === student.id)
          .map((completion) => ({ ...completion, lesson: index.get(completion.lessonId) })),
    },
  };
}

function analytics(data) {
  const lessonXp = new Map(data.lessons.map((lesson) => [lesson.id, lesson.xp]));
  const xpByLanguage = (studentId) => {
    const totals = new Map();
    for (const completion of data.completions) {
      if (completion.studentId !== studentId) continue;
      const xp = lessonXp.get(completion.lessonId);
      totals.set(completion.language, (totals.get(completion.language) ?? 0) + xp);
    }
    return [...totals].map(([language, xp]) => ({ language, xp }));
  };
  const totalXp = (studentId) => xpByLanguage(studentId).reduce((sum, entry) => sum + entry.xp, 0);
  const board = (language) =>
    data.students
      .map((student) => ({
        id: student.id,
        xp: language
          ? (xpByLanguage(student.id).find((entry) => entry.language === language)?.xp ?? 0)
          : totalXp(student.id),
      }))
      .filter((entry) => entry.xp > 0)
      .sort((a, b) => b.xp - a.xp || a.id.localeCompare(b.id))
      .map((entry, position, all) => ({
        rank: all.findIndex((other) => other.xp === entry.xp) + 1,
        xp: entry.xp,
        student: { id: entry.id },
      }));
  return {
    Query: {
      leaderboard: (_, { language, period, first }) => ({
        language: language ?? null,
        period,
        entries: board(language).slice(0, first),
        refreshedAt: data.refreshedAt,
      }),
    },
    Student: {
      __resolveReference: (ref) => ref,
      xp: (student) => totalXp(student.id),
      xpByLanguage: (student) => xpByLanguage(student.id),
      rank: (student, { language }) =>
        board(language).find((entry) => entry.student.id === student.id)?.rank ?? null,
    },
  };
}

const FACTORIES = { accounts, inventory, products, reviews, students, lessons, analytics };

export function resolversFor(name, data) {
  const factory = FACTORIES[name];
  if (!factory) throw new Error(`no resolvers for subgraph ${name}`);
  return factory(data);
}
