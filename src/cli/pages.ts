// Every item of a paginated List: pages of the largest size the API allows, until the last.

export const PAGE_SIZE = 1000;

export async function allPages<Page extends { nextPageToken: string }, T>(
  read: (pageToken: string) => Promise<Page>,
  items: (page: Page) => readonly T[],
): Promise<T[]> {
  const all: T[] = [];
  let pageToken = "";
  do {
    const page = await read(pageToken);
    all.push(...items(page));
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return all;
}
