export { deleteTopology, onFreshChannel } from '../../src/delete-topology.ts';
